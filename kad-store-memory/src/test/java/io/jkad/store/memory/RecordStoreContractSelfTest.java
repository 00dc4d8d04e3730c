package io.jkad.store.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.jkad.identity.PeerId;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.testkit.RecordStoreContract;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.platform.engine.discovery.MethodSelector;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.launcher.EngineFilter;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

/**
 * Shows that the conformance kit can fail: each {@link Mutation} breaks the memory store in one
 * way a backend could get wrong, and the kit, run through the JUnit launcher, must report the
 * tests that catch it.
 */
class RecordStoreContractSelfTest {

    enum Mutation {
        /** Limits silently drop the record instead of refusing it. */
        SWALLOW_LIMITS(Set.of("maxRecordsRefusesOnlyNewKeys", "valueOfExactlyMaxValueBytesIsAcceptedAndOneMoreIsRefused")),
        /** A full provider list evicts its first provider (the reference's old behaviour, near enough). */
        EVICT_WHEN_FULL(Set.of("fullProviderListIgnoresNewProvidersAndKeepsTheOldOnes")),
        /** A record expiring exactly at {@code now} is kept. */
        EXPIRY_EXCLUSIVE(Set.of("removeExpiredRemovesExactlyTheExpiredRecords")),
        /** Expiries rounded to milliseconds, as a naive SQL column would. */
        TRUNCATE_EXPIRY(Set.of("putThenGetReturnsTheRecordWithAllFields")),
        /** The publisher is not kept. */
        DROP_PUBLISHER(Set.of("putThenGetReturnsTheRecordWithAllFields")),
        /** Providers come back in another order. */
        REVERSE_PROVIDERS(Set.of("providersAreListedInTheOrderFirstAdded")),
        /** A second close throws. */
        CLOSE_TWICE_THROWS(Set.of("closeTwiceIsFine")),
        /** Reads after close answer "absent" instead of failing. */
        READS_AFTER_CLOSE_EMPTY(Set.of("operationsAfterCloseThrowClosed")),
        /** Iterators are fail-fast, like a HashMap's. */
        FAIL_FAST_ITERATORS(Set.of("iterationWhileWritingSeesEveryRecordPresentThroughout",
                "providedWhileWritingSeesEveryRecordPresentThroughout")),
        /** A closed iterator goes on. */
        ITERATOR_IGNORES_CLOSE(Set.of("closedIteratorEndsAndClosesTwice")),
        /** Claims to be persistent but forgets everything on reopen. */
        NOT_REALLY_PERSISTENT(Set.of("reopenKeepsValueRecordsExactly", "reopenKeepsProviderRecordsTheirOrderAndProvided",
                "reopenKeepsExpiriesExactly", "reopenKeepsTheCountsThatLimitsUse"));

        final Set<String> caughtBy;

        Mutation(Set<String> caughtBy) {
            this.caughtBy = caughtBy;
        }
    }

    /** A kit test that none of the mutations breaks: it passing shows the launcher ran the kit. */
    private static final String CONTROL = "getOfAbsentKeyIsEmpty";

    @ParameterizedTest
    @EnumSource(Mutation.class)
    void theKitCatchesTheMutation(Mutation mutation) {
        MutantContract.mutation = mutation;
        try {
            List<MethodSelector> selectors = new ArrayList<>();
            selectors.add(selectMethod(MutantContract.class, CONTROL));
            mutation.caughtBy.forEach(name -> selectors.add(selectMethod(MutantContract.class, name)));
            SummaryGeneratingListener listener = new SummaryGeneratingListener();
            Launcher launcher = LauncherFactory.create();
            launcher.execute(LauncherDiscoveryRequestBuilder.request()
                    .selectors(selectors)
                    .filters(EngineFilter.includeEngines("junit-jupiter"))
                    .build(), listener);
            TestExecutionSummary summary = listener.getSummary();
            Set<String> failed = new TreeSet<>();
            for (TestExecutionSummary.Failure f : summary.getFailures()) {
                f.getTestIdentifier().getSource()
                        .filter(MethodSource.class::isInstance)
                        .map(s -> ((MethodSource) s).getMethodName())
                        .ifPresent(failed::add);
            }
            assertThat(summary.getTestsFoundCount()).isEqualTo(1 + mutation.caughtBy.size());
            assertThat(summary.getTestsSucceededCount()).as("the control test %s passes", CONTROL).isEqualTo(1);
            assertThat(failed).as("kit tests failing for %s", mutation).isEqualTo(mutation.caughtBy);
        } finally {
            MutantContract.mutation = null;
        }
    }

    @org.junit.jupiter.api.Test
    void aCorrectPersistentStorePassesThePersistenceTests() {
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        LauncherFactory.create().execute(LauncherDiscoveryRequestBuilder.request()
                .selectors(org.junit.platform.engine.discovery.DiscoverySelectors.selectClass(ReopenableContract.class))
                .filters(EngineFilter.includeEngines("junit-jupiter"))
                .build(), listener);
        TestExecutionSummary summary = listener.getSummary();
        List<String> failures = new ArrayList<>();
        summary.getFailures().forEach(f -> failures.add(f.getTestIdentifier().getDisplayName() + ": " + f.getException()));
        assertThat(failures).isEmpty();
        assertThat(summary.getTestsSkippedCount() + summary.getTestsAbortedCount()).isZero();
        assertThat(summary.getTestsSucceededCount()).isGreaterThan(40);
    }

    /**
     * The kit over {@link ReopenableStore}: memory stores that outlive their handles, so "reopen"
     * finds the same contents, as a correct persistent store would.
     */
    static class ReopenableContract extends RecordStoreContract {
        private static final java.util.Map<java.nio.file.Path, RecordStore> STORES =
                new java.util.concurrent.ConcurrentHashMap<>();

        @Override
        protected RecordStore openStore(StoreConfig config) {
            RecordStore shared = STORES.computeIfAbsent(config.dataDirectory().orElseThrow(),
                    d -> new MemoryStoreProvider().open(config));
            return new ReopenableStore(shared);
        }

        @Override
        protected boolean persistent() {
            return true;
        }
    }

    /** A closable handle on a memory store that stays open underneath. */
    static final class ReopenableStore implements RecordStore {
        private final RecordStore shared;
        private volatile boolean closed;

        ReopenableStore(RecordStore shared) {
            this.shared = shared;
        }

        private void check(String operation) {
            if (closed) {
                throw new StoreException(StoreException.Kind.CLOSED, "reopenable", operation, "closed");
            }
        }

        @Override public Optional<DhtRecord> get(RecordKey key) { java.util.Objects.requireNonNull(key); check("get"); return shared.get(key); }
        @Override public void put(DhtRecord record) { java.util.Objects.requireNonNull(record); check("put"); shared.put(record); }
        @Override public void remove(RecordKey key) { java.util.Objects.requireNonNull(key); check("remove"); shared.remove(key); }
        @Override public boolean addProvider(ProviderRecord record) { java.util.Objects.requireNonNull(record); check("addProvider"); return shared.addProvider(record); }
        @Override public List<ProviderRecord> providers(RecordKey key) { java.util.Objects.requireNonNull(key); check("providers"); return shared.providers(key); }
        @Override public void removeProvider(RecordKey key, PeerId provider) {
            java.util.Objects.requireNonNull(key);
            java.util.Objects.requireNonNull(provider);
            check("removeProvider");
            shared.removeProvider(key, provider);
        }
        @Override public long removeExpired(Instant now) { java.util.Objects.requireNonNull(now); check("removeExpired"); return shared.removeExpired(now); }
        @Override public io.jkad.record.StoreCounts counts() { check("counts"); return shared.counts(); }
        @Override public Optional<byte[]> nodeState(String name) { RecordStore.checkNodeState(name, null); check("nodeState"); return shared.nodeState(name); }
        @Override public void putNodeState(String name, byte[] value) { RecordStore.checkNodeState(name, value); check("putNodeState"); shared.putNodeState(name, value); }
        @Override public void close() { closed = true; }
        @Override public CloseableIterator<DhtRecord> records() { check("records"); return guard(shared.records(), "records"); }
        @Override public CloseableIterator<ProviderRecord> provided() { check("provided"); return guard(shared.provided(), "provided"); }

        private <T> CloseableIterator<T> guard(CloseableIterator<T> it, String operation) {
            return new CloseableIterator<>() {
                private boolean iteratorClosed;
                @Override public boolean hasNext() {
                    if (iteratorClosed) {
                        return false;
                    }
                    check(operation);
                    return it.hasNext();
                }
                @Override public T next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return it.next();
                }
                @Override public void close() {
                    iteratorClosed = true;
                    it.close();
                }
            };
        }
    }

    /** The kit over a mutated memory store; run only through the launcher above (a nested class). */
    static class MutantContract extends RecordStoreContract {
        static volatile Mutation mutation;

        @Override
        protected RecordStore openStore(StoreConfig config) {
            if (mutation == null) {
                // found by a test engine outside theKitCatchesTheMutation: behave as the real store
                return new MemoryStoreProvider().open(config);
            }
            return new MutantStore(new MemoryStoreProvider().open(config), mutation);
        }

        @Override
        protected boolean persistent() {
            return mutation == Mutation.NOT_REALLY_PERSISTENT;
        }
    }

    /** The memory store with one mutation. */
    static final class MutantStore implements RecordStore {
        private final RecordStore delegate;
        private final Mutation mutation;
        private final AtomicInteger writes = new AtomicInteger();
        private boolean closed;

        MutantStore(RecordStore delegate, Mutation mutation) {
            this.delegate = delegate;
            this.mutation = mutation;
        }

        @Override
        public Optional<DhtRecord> get(RecordKey key) {
            try {
                return delegate.get(key);
            } catch (StoreException e) {
                if (mutation == Mutation.READS_AFTER_CLOSE_EMPTY) {
                    return Optional.empty();
                }
                throw e;
            }
        }

        @Override
        public void put(DhtRecord record) {
            writes.incrementAndGet();
            DhtRecord r = record;
            if (mutation == Mutation.TRUNCATE_EXPIRY) {
                r = r.withExpires(r.expires().map(t -> t.truncatedTo(ChronoUnit.MILLIS)));
            }
            if (mutation == Mutation.DROP_PUBLISHER) {
                r = r.withPublisher(Optional.empty());
            }
            try {
                delegate.put(r);
            } catch (StoreException e) {
                if (mutation != Mutation.SWALLOW_LIMITS || e.kind() == StoreException.Kind.CLOSED) {
                    throw e;
                }
            }
        }

        @Override
        public void remove(RecordKey key) {
            writes.incrementAndGet();
            delegate.remove(key);
        }

        @Override
        public CloseableIterator<DhtRecord> records() {
            return wrap(delegate.records());
        }

        @Override
        public boolean addProvider(ProviderRecord record) {
            writes.incrementAndGet();
            boolean added = delegate.addProvider(record);
            if (!added && mutation == Mutation.EVICT_WHEN_FULL) {
                delegate.removeProvider(record.key(), delegate.providers(record.key()).get(0).provider());
                return delegate.addProvider(record);
            }
            return added;
        }

        @Override
        public List<ProviderRecord> providers(RecordKey key) {
            List<ProviderRecord> list = delegate.providers(key);
            if (mutation == Mutation.REVERSE_PROVIDERS) {
                List<ProviderRecord> reversed = new ArrayList<>(list);
                java.util.Collections.reverse(reversed);
                return reversed;
            }
            return list;
        }

        @Override
        public CloseableIterator<ProviderRecord> provided() {
            return wrap(delegate.provided());
        }

        @Override
        public void removeProvider(RecordKey key, PeerId provider) {
            writes.incrementAndGet();
            delegate.removeProvider(key, provider);
        }

        @Override
        public long removeExpired(Instant now) {
            writes.incrementAndGet();
            return delegate.removeExpired(mutation == Mutation.EXPIRY_EXCLUSIVE ? now.minusNanos(1) : now);
        }

        @Override
        public void close() {
            if (closed && mutation == Mutation.CLOSE_TWICE_THROWS) {
                throw new IllegalStateException("already closed");
            }
            closed = true;
            delegate.close();
        }

        private <T> CloseableIterator<T> wrap(CloseableIterator<T> it) {
            int writesAtStart = writes.get();
            return new CloseableIterator<>() {
                private boolean iteratorClosed;

                @Override
                public boolean hasNext() {
                    if (mutation == Mutation.FAIL_FAST_ITERATORS && writes.get() != writesAtStart) {
                        throw new ConcurrentModificationException();
                    }
                    if (iteratorClosed && mutation != Mutation.ITERATOR_IGNORES_CLOSE) {
                        return false;
                    }
                    return it.hasNext();
                }

                @Override
                public T next() {
                    if (!hasNext()) {
                        throw new java.util.NoSuchElementException();
                    }
                    return it.next();
                }

                @Override
                public void close() {
                    iteratorClosed = true;
                    if (mutation != Mutation.ITERATOR_IGNORES_CLOSE) {
                        it.close();
                    }
                }
            };
        }
    }
}
