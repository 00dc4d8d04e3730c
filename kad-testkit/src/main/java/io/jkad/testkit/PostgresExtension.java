package io.jkad.testkit;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * Gives tests a running {@link PostgresCluster}: {@code @ExtendWith(PostgresExtension.class)}, then
 * take a {@code PostgresCluster} parameter (constructor, {@code @BeforeAll}, {@code @BeforeEach} or
 * test method). One cluster serves every test class of a run; it is started by the first class that
 * needs it and stopped, its directory deleted, when the run ends.
 *
 * <p>Where the machine has no PostgreSQL binaries, every test of the class is skipped (JUnit
 * reports it as skipped, with the reason) rather than passed. A server that is installed but fails
 * to start fails the tests.
 */
public final class PostgresExtension implements BeforeAllCallback, ParameterResolver {

    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(PostgresExtension.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        cluster(context);
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == PostgresCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster(context);
    }

    private static PostgresCluster cluster(ExtensionContext context) {
        assumeTrue(PostgresCluster.findBinaries().isPresent(),
                "PostgreSQL is not installed: no initdb and pg_ctl under /usr/lib/postgresql/*/bin or on the PATH"
                        + " (Debian: apt-get install postgresql)");
        return context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(PostgresCluster.class, k -> {
            PostgresCluster cluster = PostgresCluster.start();
            System.out.printf("Started %s: initdb %d ms, start %d ms%n", cluster, cluster.initTime().toMillis(),
                    cluster.startTime().toMillis());
            return cluster;
        }, PostgresCluster.class);
    }
}
