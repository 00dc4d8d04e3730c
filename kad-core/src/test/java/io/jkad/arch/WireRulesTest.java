package io.jkad.arch;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadRequest;
import org.junit.jupiter.api.Test;

/**
 * Peer policy (libp2p-wire.md §8.3, checklist §10.6): we answer the deprecated Kademlia PING but
 * never send it (rust-libp2p drops a stream that carries one). Only the codec, decoding an inbound
 * request, may make a {@link KadRequest.Ping}; nothing in the production code can ask the host to
 * send one. (The simulator's flooding Sybils, which stand for hostile peers in virtual time, are
 * the one exception.)
 */
class WireRulesTest {

    private static final ArchRule ONLY_THE_DECODER_MAKES_PINGS = noClasses()
            .that().doNotHaveFullyQualifiedName(KadCodec.class.getName())
            // The simulator's Sybil nodes play attackers, which may send anything; they never
            // reach a host.
            .and().resideOutsideOfPackage("io.jkad.sim")
            .should().callConstructor(KadRequest.Ping.class)
            .because("jkad answers the deprecated Kademlia PING but never sends it");

    @Test
    void onlyTheDecoderMakesKademliaPingRequests() {
        JavaClasses production = new ClassFileImporter()
                .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.jkad");
        ONLY_THE_DECODER_MAKES_PINGS.check(production);
    }

    @Test
    void theRuleCatchesCodeThatMakesOne() {
        // Test code does make them (to check the codec): the rule must see it.
        JavaClasses withTests = new ClassFileImporter().importPackages("io.jkad.protocol");
        assertThatThrownBy(() -> ONLY_THE_DECODER_MAKES_PINGS.check(withTests)).isInstanceOf(AssertionError.class)
                .hasMessageContaining("KadCodecProperties");
    }
}
