package io.jkad.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalDateTime;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Keeps STYLE.md's table of where IO is allowed true: the sans-IO packages use no Netty, no
 * threads, no clock and no sleeps; protobuf's classes stay in the codecs: the wire's, the host's,
 * the public keys' ({@code PeerKeys}) and the IPNS records' (validation).
 */
class LayeringTest {
    private static final String[] SANS_IO = {
        "io.jkad.identity..", "io.jkad.multiaddr..", "io.jkad.routing..", "io.jkad.query..",
        "io.jkad.record..", "io.jkad.kademlia..", "io.jkad.sim..", "io.jkad.util..", "io.jkad.validation.."
    };

    private static JavaClasses classes;

    @BeforeAll
    static void importClasses() {
        classes = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.jkad");
    }

    @Test
    void sansIoPackagesDoNotUseNetty() {
        noClasses().that().resideInAnyPackage(SANS_IO)
                .should().dependOnClassesThat().resideInAnyPackage("io.netty..")
                .check(classes);
    }

    @Test
    void sansIoPackagesReadNoClock() {
        noClasses().that().resideInAnyPackage(SANS_IO)
                .should().callMethod(Instant.class, "now")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(Clock.class, "systemUTC")
                .orShould().callMethod(LocalDateTime.class, "now")
                .check(classes);
    }

    @Test
    void sansIoPackagesStartNoThreadsAndNeverSleep() {
        noClasses().that().resideInAnyPackage(SANS_IO)
                .should().callMethod(Thread.class, "sleep", long.class)
                .orShould().callMethod(Thread.class, "start")
                .orShould().callMethod(Object.class, "wait")
                .orShould().callMethod(Object.class, "wait", long.class)
                .orShould().dependOnClassesThat().areAssignableTo(java.util.concurrent.Executor.class)
                .orShould().dependOnClassesThat().areAssignableTo(java.util.concurrent.Future.class)
                .check(classes);
    }

    @Test
    void protobufTypesStayInTheCodecAndTheHost() {
        noClasses().that().resideOutsideOfPackages("io.jkad.protocol..", "io.jkad.net..", "io.jkad.validation..",
                        "io.jkad.identity..")
                .should().dependOnClassesThat().resideInAnyPackage("com.google.protobuf..", "io.jkad.protocol.pb..")
                .check(classes);
    }

    @Test
    void theStateMachineDoesNotKnowTheHost() {
        noClasses().that().resideInAnyPackage("io.jkad.kademlia..", "io.jkad.routing..", "io.jkad.query..",
                        "io.jkad.record..", "io.jkad.validation..", "io.jkad.identity..")
                .should().dependOnClassesThat().resideInAnyPackage("io.jkad.net..", "io.jkad.sim..")
                .check(classes);
    }
}
