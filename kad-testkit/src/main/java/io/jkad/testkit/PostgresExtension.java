package io.jkad.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.junit.jupiter.api.extension.TestInstanceFactoryContext;
import org.junit.jupiter.api.extension.TestInstancePreConstructCallback;

/**
 * Gives tests a running {@link PostgresCluster}: {@code @ExtendWith(PostgresExtension.class)}, then
 * take a {@code PostgresCluster} parameter (constructor, {@code @BeforeAll}, {@code @BeforeEach} or
 * test method). One cluster serves every test class of a run; it is started by the first class that
 * needs it and stopped, its directory deleted, when the run ends.
 *
 * <p>Where the machine has no PostgreSQL binaries, every test of the class is skipped (each test
 * is reported as skipped, with the reason) rather than passed. A server that is installed but fails
 * to start fails the tests.
 */
public final class PostgresExtension implements TestInstancePreConstructCallback, BeforeEachCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    /**
     * Checked before each test instance is made (its constructor may take the cluster) and before
     * each test, rather than once before the class: a test aborted by an assumption is reported as
     * skipped with its reason, while Surefire reports a class aborted in {@code @BeforeAll} as zero
     * tests run, and JUnit reports an assumption failing in parameter resolution as an error.
     */
    @Override
    public void preConstructTestInstance(TestInstanceFactoryContext factory, ExtensionContext context) {
        assumeInstalled();
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        assumeInstalled();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }

    private static void assumeInstalled() {
        assumeTrue(PostgresCluster.findBinaries().isPresent(),
                "PostgreSQL is not installed: no initdb and pg_ctl under /usr/lib/postgresql/*/bin or on the PATH"
                        + " (Debian: apt-get install postgresql), nor in -D" + PostgresCluster.BIN_PROPERTY);
    }

    private static PostgresCluster cluster(ExtensionContext context) {
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(PostgresCluster.class, k -> {
            PostgresCluster cluster = PostgresCluster.start();
            System.out.printf("Started %s: initdb %d ms, start %d ms%n", cluster, cluster.initTime().toMillis(),
                    cluster.startTime().toMillis());
            return cluster;
        }, PostgresCluster.class);
    }
}
