package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreException;
import io.jkad.record.StoreException.Kind;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The kit's iteration part: the iterators, close, and the data the stores must carry unchanged. */
public abstract class IterationContract extends ProviderRecordsContract {
    // ------------------------------------------------------------------ iteration

    @Test
    void recordsReturnsEveryValueRecordOnce() {
        RecordStore s = open();
        Set<DhtRecord> expected = new HashSet<>();
        for (int i = 0; i < 100; i++) {
            DhtRecord r = record(key(i), bytes("v" + i), i % 2 == 0 ? peer(i) : null,
                    i % 3 == 0 ? clock.instant().plusSeconds(i) : null);
            s.put(r);
            expected.add(r);
        }
        s.addProvider(provider(key("provider only"), localPeer));
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void iteratorsOfAnEmptyStoreAreEmptyAndEndWithNoSuchElement() {
        RecordStore s = open();
        try (CloseableIterator<DhtRecord> it = s.records()) {
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
        try (CloseableIterator<ProviderRecord> it = s.provided()) {
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
        s.put(record(key("one"), "1"));
        try (CloseableIterator<DhtRecord> it = s.records()) {
            assertThat(it.next()).isEqualTo(record(key("one"), "1"));
            assertThat(it.hasNext()).isFalse();
            assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void closedIteratorEndsAndClosesTwice() {
        RecordStore s = open();
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), "2"));
        s.addProvider(provider(key("c"), localPeer));
        CloseableIterator<DhtRecord> records = s.records();
        CloseableIterator<ProviderRecord> provided = s.provided();
        records.next();
        records.close();
        provided.close();
        assertThat(records.hasNext()).isFalse();
        assertThat(provided.hasNext()).isFalse();
        assertThatThrownBy(records::next).isInstanceOf(NoSuchElementException.class);
        assertThatCode(records::close).doesNotThrowAnyException();
        assertThatCode(provided::close).doesNotThrowAnyException();
        // the store is still usable
        assertThat(records(s)).hasSize(2);
    }

    @Test
    void iterationWhileWritingSeesEveryRecordPresentThroughout() {
        RecordStore s = open();
        int stable = 200;
        for (int i = 0; i < stable; i++) {
            s.put(record(key("stable-" + i), "s"));
            s.put(record(key("churn-" + i), "c"));
        }
        Set<RecordKey> seen = new HashSet<>();
        int step = 0;
        try (CloseableIterator<DhtRecord> it = s.records()) {
            while (it.hasNext()) {
                DhtRecord r = it.next();
                assertThat(seen.add(r.key())).as("key %s returned twice", r.key()).isTrue();
                if (step < stable) {
                    s.remove(key("churn-" + step));
                    s.put(record(key("new-" + step), "n"));
                    s.put(record(key("stable-" + ((step * 7) % stable)), "s"));
                }
                step++;
            }
        }
        for (int i = 0; i < stable; i++) {
            assertThat(seen).contains(key("stable-" + i));
        }
        assertThat(records(s)).hasSize(2 * stable);
    }

    @Test
    void providedWhileWritingSeesEveryRecordPresentThroughout() {
        RecordStore s = open();
        int stable = 50;
        for (int i = 0; i < stable; i++) {
            s.addProvider(provider(key("stable-" + i), localPeer));
            s.addProvider(provider(key("churn-" + i), localPeer));
        }
        Set<RecordKey> seen = new HashSet<>();
        int step = 0;
        try (CloseableIterator<ProviderRecord> it = s.provided()) {
            while (it.hasNext()) {
                ProviderRecord p = it.next();
                assertThat(p.provider()).isEqualTo(localPeer);
                assertThat(seen.add(p.key())).as("key %s returned twice", p.key()).isTrue();
                if (step < stable) {
                    s.removeProvider(key("churn-" + step), localPeer);
                    s.addProvider(provider(key("new-" + step), localPeer));
                    s.addProvider(provider(key("stable-" + step), peer(step)));
                }
                step++;
            }
        }
        for (int i = 0; i < stable; i++) {
            assertThat(seen).contains(key("stable-" + i));
        }
        assertThat(provided(s)).hasSize(2 * stable);
    }

    // ------------------------------------------------------------------ close

    @Test
    void closeTwiceIsFine() {
        RecordStore s = open();
        s.put(record(key("k"), "v"));
        s.close();
        assertThatCode(s::close).doesNotThrowAnyException();
    }

    @Test
    void operationsAfterCloseThrowClosed() {
        RecordStore s = open();
        s.put(record(key("k"), "v"));
        s.addProvider(provider(key("k"), localPeer));
        s.close();
        assertRefused(Kind.CLOSED, "get", () -> s.get(key("k")));
        assertRefused(Kind.CLOSED, "put", () -> s.put(record(key("k"), "w")));
        assertRefused(Kind.CLOSED, "remove", () -> s.remove(key("k")));
        assertRefused(Kind.CLOSED, "records", s::records);
        assertRefused(Kind.CLOSED, "addProvider", () -> s.addProvider(provider(key("k"), peer(1))));
        assertRefused(Kind.CLOSED, "providers", () -> s.providers(key("k")));
        assertRefused(Kind.CLOSED, "provided", s::provided);
        assertRefused(Kind.CLOSED, "removeProvider", () -> s.removeProvider(key("k"), localPeer));
        assertRefused(Kind.CLOSED, "removeExpired", () -> s.removeExpired(clock.instant()));
        assertRefused(Kind.CLOSED, "counts", s::counts);
    }

    @Test
    void openIteratorsEndCleanlyWhenTheStoreCloses() {
        RecordStore s = open();
        for (int i = 0; i < 10; i++) {
            s.put(record(key(i), "v"));
            s.addProvider(provider(key(i), localPeer));
        }
        CloseableIterator<DhtRecord> records = s.records();
        CloseableIterator<ProviderRecord> provided = s.provided();
        records.next();
        provided.next();
        s.close();
        assertEndsOrClosed(records);
        assertEndsOrClosed(provided);
        assertThatCode(records::close).doesNotThrowAnyException();
        assertThatCode(provided::close).doesNotThrowAnyException();
        assertThat(records.hasNext()).isFalse();
        assertThatCode(records::close).doesNotThrowAnyException();
    }

    /** After its store closed, an iterator either ends or throws CLOSED; it never returns a record. */
    static void assertEndsOrClosed(Iterator<?> it) {
        Throwable t = catchThrowable(() -> assertThat(it.hasNext()).isFalse());
        if (t != null) {
            assertThat(t).isInstanceOf(StoreException.class);
            assertThat(((StoreException) t).kind()).isEqualTo(Kind.CLOSED);
        }
        Throwable n = catchThrowable(it::next);
        assertThat(n).isNotNull();
        if (n instanceof StoreException e) {
            assertThat(e.kind()).isEqualTo(Kind.CLOSED);
        } else {
            assertThat(n).isInstanceOf(NoSuchElementException.class);
        }
    }

    // ------------------------------------------------------------------ data

    @Test
    void valuesWithAllByteValuesAndBinaryKeysRoundTrip() {
        RecordStore s = open();
        byte[] allBytes = new byte[512];
        for (int i = 0; i < allBytes.length; i++) {
            allBytes[i] = (byte) i;
        }
        byte[] reversed = new byte[256];
        for (int i = 0; i < 256; i++) {
            reversed[i] = (byte) (255 - i);
        }
        List<RecordKey> keys = List.of(
                RecordKey.of(new byte[] {0}),
                RecordKey.of(new byte[] {0, 0}),
                RecordKey.of(new byte[] {(byte) 0xff}),
                RecordKey.of(new byte[] {(byte) 0xff, 0}),
                RecordKey.of(new byte[] {(byte) 0x80}),
                RecordKey.of(new byte[] {(byte) 0x7f}),
                RecordKey.of(new byte[] {'a'}),
                RecordKey.of(new byte[] {'a', 0}),
                RecordKey.of(new byte[] {'A'}),
                RecordKey.of(new byte[] {(byte) 0xc3, (byte) 0x28}), // not UTF-8
                RecordKey.of(allBytes.clone()),
                RecordKey.of(reversed),
                RecordKey.of(randomBytes(new Random(5), 1024)));
        List<DhtRecord> stored = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            byte[] value = i % 2 == 0 ? allBytes : reversed;
            DhtRecord r = record(keys.get(i), value, peer(i), clock.instant().plusSeconds(i));
            s.put(r);
            stored.add(r);
            assertThat(s.addProvider(provider(keys.get(i), i % 2 == 0 ? localPeer : peer(i)))).isTrue();
        }
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
            assertThat(s.providers(r.key())).hasSize(1);
        }
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(stored);
        // removing one key leaves the keys it prefixes or that prefix it
        s.remove(RecordKey.of(new byte[] {0}));
        s.removeProvider(RecordKey.of(new byte[] {'a'}), localPeer);
        assertThat(s.get(RecordKey.of(new byte[] {0, 0}))).isPresent();
        assertThat(s.providers(RecordKey.of(new byte[] {'a', 0}))).hasSize(1);
        assertThat(records(s)).hasSize(keys.size() - 1);
    }

    @Test
    void emptyValueRoundTrips() {
        RecordStore s = open();
        DhtRecord empty = DhtRecord.of(key("empty"), new byte[0]);
        s.put(empty);
        assertThat(s.get(key("empty"))).contains(empty);
        assertThat(s.get(key("empty")).orElseThrow().valueLength()).isZero();
    }

    @Test
    void largeValuesNearTheLimitRoundTrip() {
        RecordStore s = open();
        Random random = new Random(11);
        int max = StoreConfig.DEFAULT_MAX_VALUE_BYTES;
        List<DhtRecord> stored = new ArrayList<>();
        for (int length : new int[] {max, max - 1, 64 * 1024, 32 * 1024 + 1}) {
            DhtRecord r = record(key("large-" + length), randomBytes(random, length), peer(length), null);
            s.put(r);
            stored.add(r);
        }
        for (DhtRecord r : stored) {
            assertThat(s.get(r.key())).contains(r);
        }
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrderElementsOf(stored);
    }

    @Test
    void manyRecordsUpToTheLimit() {
        int n = 3000;
        RecordStore s = open(config(n, 1024, 20, n));
        Random random = new Random(3);
        Map<RecordKey, DhtRecord> expected = new HashMap<>();
        for (int i = 0; i < n; i++) {
            DhtRecord r = record(key(i), randomBytes(random, random.nextInt(64)), null,
                    i % 2 == 0 ? clock.instant().plusSeconds(i) : null);
            s.put(r);
            expected.put(r.key(), r);
        }
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(n), "one too many")));
        for (int i = 0; i < n; i += 7) {
            assertThat(s.get(key(i))).contains(expected.get(key(i)));
        }
        assertThat(byKey(records(s))).isEqualTo(expected);
        for (int i = 0; i < n; i += 2) {
            s.remove(key(i));
            expected.remove(key(i));
        }
        assertThat(byKey(records(s))).isEqualTo(expected);
        assertThat(s.removeExpired(clock.instant().plusSeconds(n))).isZero();
    }

    @Test
    void storesWithDifferentConfigsAreIndependent() {
        RecordStore a = open();
        RecordStore b = open();
        a.put(record(key("k"), "in a"));
        a.addProvider(provider(key("k"), localPeer));
        assertThat(b.get(key("k"))).isEmpty();
        assertThat(b.providers(key("k"))).isEmpty();
        assertThat(provided(b)).isEmpty();
        b.close();
        assertThat(a.get(key("k"))).isPresent();
    }
}
