package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * removeExpired costs what it removes: its deletes find the expired rows through the expiry
 * indexes, checked in the database's own query plan over a table of {@value #ROWS} rows of which
 * three have expired.
 */
abstract class ExpirySweepPlanChecks {

    static final int ROWS = 5000;

    /** A migrated database. */
    abstract DataSource database() throws SQLException;

    abstract SqlDialect dialect();

    /** Checks the plan of {@code sql} (its one parameter is {@code now}) over the filled tables. */
    abstract void assertUsesIndex(Connection c, String sql, long now, String index) throws SQLException;

    /** The lines of the database's plan of {@code explain} with {@code now} as its parameter. */
    static String plan(Connection c, String explain, long now) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(explain)) {
            ps.setLong(1, now);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return String.join("\n", lines);
    }

    @Test
    void expiredRowsAreFoundThroughTheExpiryIndexes() throws SQLException {
        DataSource ds = database();
        try (Connection c = ds.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement records = c.prepareStatement(dialect().insertRecord);
                 PreparedStatement providers = c.prepareStatement(dialect().insertProvider)) {
                for (int i = 1; i <= ROWS; i++) {
                    byte[] key = ("key-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8);
                    records.setBytes(1, key);
                    records.setBytes(2, new byte[] {1});
                    records.setNull(3, java.sql.Types.VARBINARY);
                    records.setLong(4, i);
                    records.addBatch();
                    providers.setBytes(1, key);
                    providers.setBytes(2, new byte[] {2});
                    providers.setLong(3, i);
                    providers.setNull(4, java.sql.Types.VARBINARY);
                    providers.setNull(5, java.sql.Types.VARBINARY);
                    providers.addBatch();
                }
                records.executeBatch();
                providers.executeBatch();
            }
            c.commit();
            c.setAutoCommit(true);
            try (Statement s = c.createStatement()) {
                s.execute("ANALYZE");
            }
            assertUsesIndex(c, dialect().deleteExpiredRecords, 3, "kad_records_expiry");
            assertUsesIndex(c, dialect().deleteExpiredProvidersReturningKeys(), 3, "kad_providers_expiry");
        }
    }
}
