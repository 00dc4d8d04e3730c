package io.jkad.store.jdbc;

import java.sql.DatabaseMetaData;
import java.sql.SQLException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/** The dialects the JDBC store knows, found by name ({@code jdbc.dialect}) or from a connection's metadata. */
final class SqlDialects {

    private static final Map<String, Supplier<SqlDialect>> KNOWN = new TreeMap<>(Map.of(
            H2Dialect.NAME, H2Dialect::new,
            PostgresDialect.NAME, PostgresDialect::new));

    private SqlDialects() {}

    /** The names of the known dialects, sorted. */
    static List<String> names() {
        return List.copyOf(KNOWN.keySet());
    }

    /**
     * The dialect named {@code name} (case-insensitive).
     *
     * @throws IllegalArgumentException naming the unknown dialect and the known ones
     */
    static SqlDialect byName(String name) {
        Supplier<SqlDialect> dialect = KNOWN.get(name.trim().toLowerCase(Locale.ROOT));
        if (dialect == null) {
            throw new IllegalArgumentException("Unknown " + JdbcStoreProvider.DIALECT + " '" + name + "'; known dialects: "
                    + String.join(", ", names()));
        }
        return dialect.get();
    }

    /**
     * The dialect of the database that {@code metadata} describes.
     *
     * @throws IllegalArgumentException if the database is none of those known (naming it and them)
     */
    static SqlDialect detect(DatabaseMetaData metadata) throws SQLException {
        return forProduct(metadata.getDatabaseProductName(), metadata.getDatabaseProductVersion());
    }

    /** The dialect of the database product {@code product} ({@link DatabaseMetaData#getDatabaseProductName()}). */
    static SqlDialect forProduct(String product, String version) {
        String p = product == null ? "" : product.toLowerCase(Locale.ROOT);
        if (p.equals("h2")) {
            return new H2Dialect();
        }
        if (p.equals("postgresql")) {
            return new PostgresDialect();
        }
        throw new IllegalArgumentException("The JDBC store does not know the database " + product + " " + version
                + "; it runs on " + String.join(", ", names()) + " (set " + JdbcStoreProvider.DIALECT
                + " to one of them for a database that speaks its SQL)");
    }
}
