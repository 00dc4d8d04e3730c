package io.jkad.store.jdbc;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.StoreConfig;
import java.lang.management.ManagementFactory;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The store's iterators read a large table a slice at a time: measured by the bytes the reading
 * thread allocates until the first record comes back, which is far below the table's size, and by
 * how each database's iterator reads (pages, or a cursor with a fetch size in a transaction).
 */
abstract class IterationChecks {

    static final int ROWS = 10_000;
    static final int VALUE_BYTES = 8 * 1024;
    /** The table holds ROWS * VALUE_BYTES = 80 MiB of values. */
    static final long TABLE_BYTES = (long) ROWS * VALUE_BYTES;

    final PeerId local = PeerId.random(new Random(5));
    final StoreConfig config = StoreConfig.defaults(local).withLimits(2 * ROWS, VALUE_BYTES, 20, 2 * ROWS);

    DataSource dataSource;
    JdbcRecordStore store;

    /** A DataSource on a fresh, empty database (at least 4 connections). */
    abstract DataSource freshDatabase();

    abstract void closeDatabase();

    /** Checks, on an open {@code records()} iterator that has returned one record, how it reads. */
    abstract void assertReadsASliceAtATime(CloseableIterator<DhtRecord> it) throws SQLException;

    /** Checks that an exhausted iterator gave its resources back. */
    abstract void assertReleased(CloseableIterator<?> it) throws SQLException;

    @BeforeEach
    void fill() throws SQLException {
        dataSource = freshDatabase();
        store = JdbcRecordStore.open(dataSource, config);
        // written with plain batched inserts: the iteration is under test, not put
        Random random = new Random(1);
        byte[] value = new byte[VALUE_BYTES];
        try (Connection c = dataSource.getConnection()) {
            c.setAutoCommit(false);
            try (PreparedStatement records = c.prepareStatement(store.dialect().insertRecord);
                 PreparedStatement providers = c.prepareStatement(store.dialect().insertProvider)) {
                for (int i = 0; i < ROWS; i++) {
                    random.nextBytes(value);
                    records.setBytes(1, key(i).toBytes());
                    records.setBytes(2, value);
                    records.setNull(3, java.sql.Types.VARBINARY);
                    records.setNull(4, java.sql.Types.BIGINT);
                    records.addBatch();
                    if (i % 4 == 0) {
                        providers.setBytes(1, key(i).toBytes());
                        providers.setBytes(2, local.toBytes());
                        providers.setNull(3, java.sql.Types.BIGINT);
                        providers.setNull(4, java.sql.Types.VARBINARY);
                        providers.setBytes(5, io.jkad.record.Keyspace.id(key(i)));
                        providers.addBatch();
                    }
                    if (i % 500 == 499) {
                        records.executeBatch();
                        providers.executeBatch();
                    }
                }
                records.executeBatch();
                providers.executeBatch();
            }
            c.commit();
        }
    }

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
        closeDatabase();
    }

    static RecordKey key(int i) {
        return RecordKey.ofUtf8("iteration-" + i);
    }

    private static long allocatedBytes() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }

    @Test
    void recordsReadsTheTableASliceAtATime() throws SQLException {
        long before = allocatedBytes();
        try (CloseableIterator<DhtRecord> it = store.records()) {
            DhtRecord first = it.next();
            long allocated = allocatedBytes() - before;
            assertThat(first.valueLength()).isEqualTo(VALUE_BYTES);
            // a slice of 256 rows is 2 MiB of values; the whole table 80 MiB
            assertThat(allocated).as("bytes allocated until the first record").isLessThan(TABLE_BYTES / 8);
            assertReadsASliceAtATime(it);
            Set<RecordKey> seen = new HashSet<>();
            seen.add(first.key());
            while (it.hasNext()) {
                assertThat(seen.add(it.next().key())).isTrue();
            }
            assertThat(seen).hasSize(ROWS);
            assertReleased(it);
        }
    }

    @Test
    void providedReadsASliceAtATime() throws SQLException {
        Set<RecordKey> seen = new HashSet<>();
        try (CloseableIterator<ProviderRecord> it = store.provided()) {
            while (it.hasNext()) {
                ProviderRecord p = it.next();
                assertThat(p.provider()).isEqualTo(local);
                assertThat(seen.add(p.key())).isTrue();
            }
            assertReleased(it);
        }
        assertThat(seen).hasSize(ROWS / 4);
    }

    /** providedFrom reads the keyspace index a slice at a time too, in keyspace order, and gives its resources back. */
    @Test
    void providedFromReadsASliceAtATimeInKeyspaceOrder() throws SQLException {
        java.util.List<ProviderRecord> read = new java.util.ArrayList<>();
        try (CloseableIterator<ProviderRecord> it = store.providedFrom(new byte[io.jkad.record.Keyspace.ID_BYTES])) {
            while (it.hasNext()) {
                ProviderRecord p = it.next();
                assertThat(p.provider()).isEqualTo(local);
                read.add(p);
            }
            assertReleased(it);
        }
        assertThat(read).hasSize(ROWS / 4).isSortedAccordingTo(io.jkad.record.Keyspace.ORDER);
        // from the middle: the second half, the first of it the one at that position
        ProviderRecord middle = read.get(read.size() / 2);
        try (CloseableIterator<ProviderRecord> it = store.providedFrom(io.jkad.record.Keyspace.id(middle.key()))) {
            assertThat(it.next()).isEqualTo(middle);
        }
    }

    @Test
    void manyIteratorsOneAfterAnotherDoNotExhaustThePool() {
        for (int i = 0; i < 20; i++) {
            try (CloseableIterator<DhtRecord> it = store.records()) {
                assertThat(it.hasNext()).isTrue();
                it.next();
            }
        }
        assertThat(store.get(key(0))).isPresent();
    }

    @Test
    void closingTheStoreEndsItsOpenIterators() {
        CloseableIterator<DhtRecord> records = store.records();
        CloseableIterator<ProviderRecord> provided = store.provided();
        CloseableIterator<ProviderRecord> providedFrom = store.providedFrom(new byte[io.jkad.record.Keyspace.ID_BYTES]);
        records.next();
        providedFrom.next();
        store.close();
        assertThat(records.hasNext()).isFalse();
        assertThat(provided.hasNext()).isFalse();
        assertThat(providedFrom.hasNext()).isFalse();
        records.close();
        provided.close();
        providedFrom.close();
    }
}
