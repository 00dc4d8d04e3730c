package io.jkad.record;

import io.jkad.identity.PeerId;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** RecordStoreProvider implementations that RecordStoresTest registers through a class loader of its own. */
public final class TestProviders {

    private TestProviders() {}

    /** A store that only remembers the config it was opened with (a fake for RecordStoresTest). */
    static final class OpenedStore implements RecordStore {
        final String provider;
        final StoreConfig config;

        OpenedStore(String provider, StoreConfig config) {
            this.provider = provider;
            this.config = config;
        }

        @Override public Optional<DhtRecord> get(RecordKey key) { throw new UnsupportedOperationException(); }
        @Override public void put(DhtRecord record) { throw new UnsupportedOperationException(); }
        @Override public void remove(RecordKey key) { throw new UnsupportedOperationException(); }
        @Override public CloseableIterator<DhtRecord> records() { throw new UnsupportedOperationException(); }
        @Override public boolean addProvider(ProviderRecord record) { throw new UnsupportedOperationException(); }
        @Override public List<ProviderRecord> providers(RecordKey key) { throw new UnsupportedOperationException(); }
        @Override public CloseableIterator<ProviderRecord> provided() { throw new UnsupportedOperationException(); }
        @Override public void removeProvider(RecordKey key, PeerId provider) { throw new UnsupportedOperationException(); }
        @Override public long removeExpired(Instant now) { throw new UnsupportedOperationException(); }
        @Override public void close() {}
    }

    public static final class Alpha implements RecordStoreProvider {
        @Override public String name() { return "alpha"; }
        @Override public RecordStore open(StoreConfig config) { return new OpenedStore(getClass().getName(), config); }
    }

    public static final class Beta implements RecordStoreProvider {
        @Override public String name() { return "beta"; }
        @Override public RecordStore open(StoreConfig config) { return new OpenedStore(getClass().getName(), config); }
    }

    /** Another provider named "alpha". */
    public static final class OtherAlpha implements RecordStoreProvider {
        @Override public String name() { return "alpha"; }
        @Override public RecordStore open(StoreConfig config) { return new OpenedStore(getClass().getName(), config); }
    }

    /** A provider whose constructor fails, as one whose native library is missing would. */
    public static final class Broken implements RecordStoreProvider {
        public Broken() {
            throw new IllegalStateException("native library librocks.so not found");
        }
        @Override public String name() { return "broken"; }
        @Override public RecordStore open(StoreConfig config) { throw new AssertionError(); }
    }

    /** A provider without a name. */
    public static final class Nameless implements RecordStoreProvider {
        @Override public String name() { return null; }
        @Override public RecordStore open(StoreConfig config) { throw new AssertionError(); }
    }
}
