package io.jkad.store.jdbc;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;

/**
 * Iterates rows in key order, a page of {@code pageSize} rows at a time, each page one short query
 * that starts after the last key of the page before ({@code WHERE key > ? ORDER BY key}, an index
 * range scan). Nothing is held between pages: no connection, no transaction. Keys only grow, so no
 * key comes twice, and a row present for the whole iteration is in one of the pages. The "key"
 * is whatever the order is by: a column, or several read as one ({@link After} binds it).
 *
 * <p>Used where a database's cursors do not read from a snapshot: H2's lazy queries can fail with
 * "row not found in primary index" when a row found through a secondary index is deleted
 * meanwhile, and H2's non-lazy queries read their whole result first.
 */
final class KeysetIterator<T> extends StoreIterator<T> {

    /** A row and the key it was found under. */
    record Keyed<T>(byte[] key, T value) {}

    /** Reads a row and its key. */
    @FunctionalInterface
    interface KeyedReader<T> {
        Keyed<T> read(ResultSet row) throws SQLException;
    }

    /** Sets the query's parameters before the key and the page size. */
    @FunctionalInterface
    interface Binder {
        /** @return the index of the next parameter */
        int bind(PreparedStatement statement) throws SQLException;
    }

    /** Sets the parameters that say where a page starts, after the {@link Binder}'s and before the page size. */
    @FunctionalInterface
    interface After {
        /**
         * @param lastKey the key of the last row of the page before, null for the first page
         * @return the index of the next parameter
         */
        int bind(PreparedStatement statement, int index, byte[] lastKey) throws SQLException;
    }

    /** The usual start of a page: the first page has none, the others the last key, once. */
    static final After AFTER_KEY = (statement, index, lastKey) -> {
        if (lastKey == null) {
            return index;
        }
        statement.setBytes(index, lastKey);
        return index + 1;
    };

    private final DataSource dataSource;
    private final String firstPage;
    private final String nextPage;
    private final Binder binder;
    private final After after;
    private final KeyedReader<T> reader;
    private final int pageSize;

    private List<Keyed<T>> page = List.of();
    private int index;
    private boolean lastPage;
    private byte[] lastKey;
    private int pages;

    /**
     * @param firstPage the query of the first page; parameters: those of {@code binder}, then the page size
     * @param nextPage the query of the pages after; parameters: those of {@code binder}, the last key, the page size
     */
    KeysetIterator(JdbcRecordStore store, String operation, DataSource dataSource, String firstPage, String nextPage,
                   Binder binder, int pageSize, KeyedReader<T> reader) {
        this(store, operation, dataSource, firstPage, nextPage, binder, AFTER_KEY, pageSize, reader);
    }

    /**
     * @param firstPage the query of the first page; parameters: those of {@code binder}, those
     *     {@code after} binds for no last key, then the page size
     * @param nextPage the query of the pages after; parameters: those of {@code binder}, those
     *     {@code after} binds for the last key, then the page size
     */
    KeysetIterator(JdbcRecordStore store, String operation, DataSource dataSource, String firstPage, String nextPage,
                   Binder binder, After after, int pageSize, KeyedReader<T> reader) {
        super(store, operation);
        this.dataSource = dataSource;
        this.firstPage = firstPage;
        this.nextPage = nextPage;
        this.binder = binder;
        this.after = after;
        this.pageSize = pageSize;
        this.reader = reader;
    }

    @Override
    T fetch() throws SQLException {
        if (index == page.size()) {
            if (lastPage) {
                return null;
            }
            readPage();
            if (page.isEmpty()) {
                return null;
            }
        }
        Keyed<T> row = page.get(index++);
        lastKey = row.key();
        return row.value();
    }

    private void readPage() throws SQLException {
        List<Keyed<T>> rows = new ArrayList<>(pageSize);
        try (Connection c = dataSource.getConnection();
             PreparedStatement ps = c.prepareStatement(lastKey == null ? firstPage : nextPage)) {
            int i = after.bind(ps, binder.bind(ps), lastKey);
            ps.setInt(i, pageSize);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.add(reader.read(rs));
                }
            }
        }
        page = rows;
        index = 0;
        pages++;
        lastPage = rows.size() < pageSize;
    }

    /** How many pages were read so far, and the rows of the current one, for tests. */
    synchronized int[] pagesRead() {
        return new int[] {pages, page.size()};
    }

    @Override
    void release() {
        page = List.of();
    }
}
