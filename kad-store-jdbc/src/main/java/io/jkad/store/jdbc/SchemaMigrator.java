package io.jkad.store.jdbc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates and upgrades the store's schema when a store opens. The schema's versions are listed in
 * {@link #MIGRATIONS}; version {@code n} with description {@code d} is the class path resource
 * {@code db/<dialect>/V<n>__<d>.sql}. The table {@code kad_schema_version} holds one row per
 * version applied.
 *
 * <p>Each version is applied once, in its own transaction, together with the insert of its row:
 * where DDL is transactional (PostgreSQL) a script that fails leaves nothing behind. H2 commits each
 * DDL statement, so there a failed script leaves the statements before the failure applied and
 * no version row; H2's scripts are written to be run again (IF NOT EXISTS), and the next open
 * completes them.
 *
 * <p>Two stores opening the same database at once are serialised by a row lock on the one row of
 * {@code kad_schema_lock}, taken on a connection of its own and held from before the versions are
 * read until after the last version is committed (a separate connection, because H2's DDL commits
 * would release a lock taken on the migrating one). The second store waits up to
 * {@link #LOCK_WAIT_MILLIS}, then finds the versions applied.
 *
 * <p>Scripts: statements end with {@code ;} at the end of a line; lines starting with {@code --}
 * are comments. No statement may contain {@code ;} at the end of a line (string literals included).
 */
final class SchemaMigrator {

    private static final Logger LOG = LoggerFactory.getLogger(SchemaMigrator.class);

    /** How long a store waits at open for another store's migration to finish. */
    static final int LOCK_WAIT_MILLIS = 60_000;

    /** One version of the schema. */
    record Migration(int version, String description) {
        Migration {
            if (version <= 0) {
                throw new IllegalArgumentException("version must be > 0: " + version);
            }
            Objects.requireNonNull(description, "description");
        }

        String resource(String folder) {
            return folder + "/V" + version + "__" + description + ".sql";
        }
    }

    /** The schema's versions, in order. */
    static final List<Migration> MIGRATIONS = List.of(new Migration(1, "init"),
            new Migration(2, "provided_keyspace_and_node_state"));

    private final SqlDialect dialect;
    private final List<Migration> migrations;
    private final ClassLoader loader;

    SchemaMigrator(SqlDialect dialect) {
        this(dialect, MIGRATIONS);
    }

    SchemaMigrator(SqlDialect dialect, List<Migration> migrations) {
        this.dialect = dialect;
        this.migrations = List.copyOf(migrations);
        this.loader = SchemaMigrator.class.getClassLoader();
        for (int i = 0; i < this.migrations.size(); i++) {
            if (this.migrations.get(i).version() != i + 1) {
                throw new IllegalArgumentException("migrations must be versions 1, 2, ... in order: " + migrations);
            }
        }
    }

    /** The newest version this code knows. */
    int latestVersion() {
        return migrations.size();
    }

    /**
     * Brings the database's schema to {@link #latestVersion()}.
     *
     * @return the versions applied now (none if the schema was current)
     * @throws SQLException from the database, also when a script fails (its transaction rolled back)
     * @throws IllegalStateException if the database has a version newer than this code knows, or a
     *     script is missing from the class path
     */
    List<Integer> migrate(DataSource dataSource) throws SQLException {
        List<Integer> applied = new ArrayList<>();
        try (Connection lock = dataSource.getConnection(); Connection work = dataSource.getConnection()) {
            SqlDialect.SqlAction restoreLock = dialect.allowLongStatements(lock);
            SqlDialect.SqlAction restoreWork = dialect.allowLongStatements(work);
            try {
                migrate(lock, work, applied);
            } finally {
                restoreWork.run();
                restoreLock.run();
            }
        }
        return applied;
    }

    private void migrate(Connection lock, Connection work, List<Integer> applied) throws SQLException {
        createBookkeepingTables(work);
        lock.setAutoCommit(false);
        SqlDialect.SqlAction resetLockWait = () -> { };
        try {
            resetLockWait = dialect.setLockWait(lock, LOCK_WAIT_MILLIS);
            try (Statement s = lock.createStatement(); ResultSet rs = s.executeQuery(dialect.lockSchema)) {
                if (!rs.next()) {
                    throw new SQLException("the row of kad_schema_lock is missing");
                }
            }
            List<Integer> present = versions(work);
            int current = present.isEmpty() ? 0 : present.get(present.size() - 1);
            if (current > latestVersion()) {
                throw new IllegalStateException("The database's jkad schema is at version " + current
                        + ", newer than this jkad's " + latestVersion() + ": use a newer jkad");
            }
            for (Migration m : migrations) {
                if (!present.contains(m.version())) {
                    apply(work, m);
                    applied.add(m.version());
                }
            }
            lock.commit();
        } finally {
            lock.rollback(); // releases the lock if the commit was not reached; a no-op after it
            resetLockWait.run();
            lock.setAutoCommit(true);
        }
    }

    /**
     * Creates {@code kad_schema_version} and {@code kad_schema_lock} with its row, if missing.
     * Each statement commits on its own: PostgreSQL's {@code CREATE TABLE IF NOT EXISTS} can still
     * fail when another session creates the same table at the same moment, so a failure is tried
     * again a few times (by then the table exists).
     */
    private void createBookkeepingTables(Connection c) throws SQLException {
        for (String sql : List.of(dialect.createVersionTable, dialect.createLockTable, dialect.insertLockRowIfAbsent())) {
            for (int attempt = 1; ; attempt++) {
                try {
                    SqlDialect.execute(c, sql);
                    break;
                } catch (SQLException e) {
                    if (attempt >= 3) {
                        throw e;
                    }
                    LOG.debug("Schema bookkeeping statement failed (attempt {}), trying again: {}", attempt, e.toString());
                }
            }
        }
    }

    /** The versions recorded in {@code kad_schema_version}, ascending. */
    List<Integer> versions(Connection c) throws SQLException {
        List<Integer> versions = new ArrayList<>();
        try (Statement s = c.createStatement(); ResultSet rs = s.executeQuery(dialect.selectVersions)) {
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
        }
        return versions;
    }

    private void apply(Connection c, Migration m) throws SQLException {
        String resource = m.resource(dialect.scriptFolder());
        List<String> statements = statements(readScript(resource));
        LOG.info("Applying jkad schema version {} ({}) on {}: {} statements", m.version(), resource, dialect,
                statements.size());
        c.setAutoCommit(false);
        try {
            for (String sql : statements) {
                try (Statement s = c.createStatement()) {
                    s.execute(sql);
                } catch (SQLException e) {
                    SQLException wrapped = new SQLException(resource + ": " + e.getMessage() + " in: " + sql,
                            e.getSQLState(), e.getErrorCode(), e);
                    throw wrapped;
                }
            }
            try (PreparedStatement ps = c.prepareStatement(dialect.insertVersion)) {
                ps.setInt(1, m.version());
                ps.setString(2, m.description());
                ps.executeUpdate();
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException r) {
                e.addSuppressed(r);
            }
            throw e;
        } finally {
            c.setAutoCommit(true);
        }
    }

    private String readScript(String resource) {
        try (InputStream in = loader.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("The migration script " + resource + " is missing from the class path");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("Cannot read the migration script " + resource, e);
        }
    }

    /** The statements of a script: split at {@code ;} ending a line, {@code --} comment lines dropped. */
    static List<String> statements(String script) {
        List<String> statements = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : script.split("\r?\n")) {
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("--")) {
                continue;
            }
            if (current.length() > 0) {
                current.append('\n');
            }
            if (trimmed.endsWith(";")) {
                current.append(line, 0, line.lastIndexOf(';'));
                statements.add(current.toString().strip());
                current.setLength(0);
            } else {
                current.append(line);
            }
        }
        if (!current.toString().isBlank()) {
            statements.add(current.toString().strip());
        }
        return statements;
    }
}
