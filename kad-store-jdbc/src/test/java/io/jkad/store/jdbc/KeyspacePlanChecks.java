package io.jkad.store.jdbc;

import io.jkad.identity.PeerId;
import io.jkad.record.Keyspace;
import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;

/**
 * providedFrom reads what it returns: its queries find the local peer's rows through the keyspace
 * index, in its order, checked in the database's own query plan over a table of {@value #REMOTE}
 * rows of other peers and {@value #LOCAL} of the local peer.
 */
abstract class KeyspacePlanChecks {

    static final int REMOTE = 40_000;
    static final int LOCAL = 4_000;

    static final byte[] LOCAL_PEER = PeerId.random(new Random(3)).toBytes();

    /** A migrated database. */
    abstract DataSource database() throws SQLException;

    abstract SqlDialect dialect();

    /**
     * Checks how the database runs {@code sql} with the parameters {@code params} (as the store
     * runs it: for a cursor, in a read transaction set up by {@link SqlDialect#preferIndexOrder}):
     * in the order of {@code index}, reading {@code rows} rows.
     */
    abstract void assertReadsThroughIndex(Connection c, String sql, List<Object> params, String index, int rows)
            throws SQLException;

    /** The lines of the database's plan of {@code explain} with {@code params}. */
    static String plan(Connection c, String explain, List<Object> params) throws SQLException {
        List<String> lines = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement(explain)) {
            for (int i = 0; i < params.size(); i++) {
                ps.setObject(i + 1, params.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    lines.add(rs.getString(1));
                }
            }
        }
        return String.join("\n", lines);
    }

    /** Fills the table and analyses it; the local rows' ids, in order. */
    static List<byte[]> fill(Connection c, SqlDialect dialect) throws SQLException {
        List<byte[]> ids = new ArrayList<>();
        Random random = new Random(9);
        c.setAutoCommit(false);
        try (PreparedStatement ps = c.prepareStatement(dialect.insertProvider)) {
            for (int i = 0; i < REMOTE + LOCAL; i++) {
                boolean local = i % (REMOTE / LOCAL + 1) == 0;
                byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                ps.setBytes(1, key);
                ps.setBytes(2, local ? LOCAL_PEER : PeerId.random(random).toBytes());
                ps.setNull(3, Types.BIGINT);
                ps.setNull(4, Types.VARBINARY);
                if (local) {
                    byte[] id = Keyspace.id(RecordKey.of(key));
                    ids.add(id);
                    ps.setBytes(5, id);
                } else {
                    ps.setNull(5, Types.VARBINARY);
                }
                ps.addBatch();
                if (i % 1000 == 999) {
                    ps.executeBatch();
                }
            }
            ps.executeBatch();
        }
        c.commit();
        c.setAutoCommit(true);
        try (Statement s = c.createStatement()) {
            s.execute("ANALYZE");
        }
        ids.sort(java.util.Arrays::compareUnsigned);
        return ids;
    }

    /** {@link #fill(Connection, SqlDialect)} in this dialect. */
    List<byte[]> fill(Connection c) throws SQLException {
        return fill(c, dialect());
    }

    @Test
    void providedFromReadsTheKeyspaceIndexFromItsPosition() throws SQLException {
        try (Connection c = database().getConnection()) {
            List<byte[]> ids = fill(c);
            // a region of 1/16 of the keyspace, from its start, in the first half: a sweep reads
            // its rows (some 250) and stops, with more than 2,000 rows after them
            byte[] region = Keyspace.regionStart(ids.get(ids.size() / 4), 4);
            int page = JdbcRecordStore.FETCH_SIZE;
            if (dialect().iteration() == SqlDialect.Iteration.CURSOR) {
                int inRegion = (int) ids.stream().filter(id -> Keyspace.hasPrefix(id, region, 4)).count();
                // the cursor's reader stops at the region's end: as a LIMIT of that many rows
                assertReadsThroughIndex(c, dialect().selectProvidedFrom + " FETCH FIRST " + inRegion + " ROWS ONLY",
                        List.of(LOCAL_PEER, region), "kad_providers_keyspace", inRegion);
            } else {
                assertReadsThroughIndex(c, dialect().firstProvidedFromPage, List.of(LOCAL_PEER, region, page),
                        "kad_providers_keyspace", page);
                byte[] last = ids.get(ids.size() / 2);
                byte[] lastKey = null;
                for (int i = 0; i < REMOTE + LOCAL && lastKey == null; i++) {
                    byte[] key = ("key-" + i).getBytes(StandardCharsets.UTF_8);
                    if (java.util.Arrays.equals(Keyspace.id(RecordKey.of(key)), last)) {
                        lastKey = key;
                    }
                }
                assertReadsThroughIndex(c, dialect().nextProvidedFromPage, List.of(LOCAL_PEER, last, last, lastKey, page),
                        "kad_providers_keyspace", page);
            }
        }
    }
}
