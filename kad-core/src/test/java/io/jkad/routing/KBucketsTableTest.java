package io.jkad.routing;

import static io.jkad.routing.NodeStatus.CONNECTED;
import static io.jkad.routing.NodeStatus.DISCONNECTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.ConcurrentModificationException;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class KBucketsTableTest {

    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    private static final Instant T0 = Instant.parse("2021-01-01T00:00:00Z");

    private final Random random = new Random(42);
    private final KeyBytes localBytes = TestKeys.random(random);
    private final Key<String> local = Key.withDigest("local", localBytes);

    /** A fresh key of bucket {@code bucket}, named {@code name}. */
    private Key<String> key(String name, int bucket) {
        return Key.withDigest(name, TestKeys.inBucket(localBytes, bucket, random));
    }

    private KBucketsTable<String, Integer> table(int k) {
        return new KBucketsTable<>(local, k, TIMEOUT);
    }

    private static <K, V> void insert(KBucketsTable<K, V> table, Key<K> key, V value, NodeStatus status, Instant now) {
        assertThat(table.entry(key, now).insert(value, status)).isEqualTo(new InsertResult.Inserted<K>());
    }

    /** The keys of the bucket of {@code key}, in bucket order, with their status ("a+" connected, "a-" not). */
    private static List<String> order(KBucketsTable<String, Integer> table, Key<String> key) {
        KBucketView<String, Integer> bucket = table.peekBuckets().get(local(table).distance(key).bucketIndex());
        return bucket.entries().stream()
                .map(e -> e.node().key().preimage() + (e.status() == CONNECTED ? "+" : "-"))
                .toList();
    }

    private static Key<String> local(KBucketsTable<String, Integer> table) {
        return table.localKey();
    }

    private static Optional<KBucketView.PendingView<String, Integer>> pending(KBucketsTable<String, Integer> table,
            Key<String> key) {
        return table.peekBuckets().get(table.localKey().distance(key).bucketIndex()).pending();
    }

    // ---------------------------------------------------------------- construction

    @Test
    void rejectsANonPositiveK() {
        assertThatThrownBy(() -> new KBucketsTable<>(local, 0, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": 0");
        assertThatThrownBy(() -> new KBucketsTable<>(local, -3, TIMEOUT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(": -3");
    }

    @Test
    void rejectsANegativePendingTimeout() {
        assertThatThrownBy(() -> new KBucketsTable<>(local, 20, Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-1S");
    }

    @Test
    void rejectsANegativeRecheckDelay() {
        assertThatThrownBy(() -> new KBucketsTable<>(local, 20, TIMEOUT, Duration.ofSeconds(-2)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT-2S");
    }

    @Test
    void rejectsNullArguments() {
        assertThatThrownBy(() -> new KBucketsTable<String, Integer>(null, 20, TIMEOUT))
                .isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> new KBucketsTable<>(local, 20, null)).isInstanceOf(NullPointerException.class);
        KBucketsTable<String, Integer> table = table(20);
        assertThatThrownBy(() -> table.entry(null, T0)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> table.entry(key("a", 255), null)).isInstanceOf(NullPointerException.class);
        Entry<String, Integer> e = table.entry(key("a", 255), T0);
        assertThatThrownBy(() -> e.insert(null, CONNECTED)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> e.insert(1, null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void exposesItsConfiguration() {
        KBucketsTable<String, Integer> table = new KBucketsTable<>(local, 7, Duration.ofSeconds(5));
        assertThat(table.localKey()).isEqualTo(local);
        assertThat(table.k()).isEqualTo(7);
        assertThat(table.pendingTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(table.size()).isZero();
        assertThat(table.buckets(T0)).hasSize(256).allMatch(KBucketView::isEmpty);
    }

    // ---------------------------------------------------------------- the local key

    @Test
    void theLocalKeyIsSelfAndCannotBeChanged() {
        KBucketsTable<String, Integer> table = table(20);
        Entry<String, Integer> self = table.entry(Key.withDigest("me again", localBytes), T0);
        assertThat(self.kind()).isEqualTo(Entry.Kind.SELF);
        assertThat(self.status()).isEmpty();
        assertThat(self.value()).isEmpty();
        assertThat(self.view()).isEmpty();
        assertThatThrownBy(() -> self.insert(1, CONNECTED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SELF");
        assertThatThrownBy(() -> self.update(CONNECTED)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> self.setValue(2)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(self::remove).isInstanceOf(IllegalStateException.class);
        assertThat(table.size()).isZero();
        assertThat(table.bucket(local, T0)).isEmpty();
    }

    // ---------------------------------------------------------------- absent and present entries

    @Test
    void anAbsentEntryRefusesEverythingButInsert() {
        KBucketsTable<String, Integer> table = table(20);
        Entry<String, Integer> e = table.entry(key("a", 200), T0);
        assertThat(e.kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(e.status()).isEmpty();
        assertThat(e.value()).isEmpty();
        assertThat(e.view()).isEmpty();
        assertThatThrownBy(() -> e.update(CONNECTED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("ABSENT");
        assertThatThrownBy(() -> e.setValue(1)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(e::remove).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void insertMakesAnEntryPresentAndTheHandleFollows() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> a = key("a", 200);
        Entry<String, Integer> e = table.entry(a, T0);
        assertThat(e.insert(7, CONNECTED)).isEqualTo(new InsertResult.Inserted<String>());
        assertThat(e.kind()).isEqualTo(Entry.Kind.PRESENT);
        assertThat(e.status()).contains(CONNECTED);
        assertThat(e.value()).contains(7);
        assertThat(e.view()).contains(new EntryView<>(new Node<>(a, 7), CONNECTED));
        assertThatThrownBy(() -> e.insert(8, CONNECTED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PRESENT");
        assertThat(table.size()).isEqualTo(1);

        Entry<String, Integer> again = table.entry(a, T0);
        assertThat(again.kind()).isEqualTo(Entry.Kind.PRESENT);
        assertThat(again.value()).contains(7);
        KBucketView<String, Integer> bucket = table.bucket(a, T0).orElseThrow();
        assertThat(bucket.index()).isEqualTo(200);
        assertThat(bucket.numEntries()).isEqualTo(1);
        assertThat(bucket.contains(local.distance(a))).isTrue();
        assertThat(bucket.contains(local.distance(key("b", 199)))).isFalse();
    }

    @Test
    void disconnectedEntriesPrecedeConnectedOnesInInsertionOrder() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> d1 = key("d1", 250);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("c1", 250), 2, CONNECTED, T0);
        insert(table, key("d2", 250), 3, DISCONNECTED, T0);
        insert(table, key("c2", 250), 4, CONNECTED, T0);
        insert(table, key("d3", 250), 5, DISCONNECTED, T0);
        assertThat(order(table, d1)).containsExactly("d1-", "d2-", "d3-", "c1+", "c2+");
    }

    @Test
    void updateMovesAnEntryToTheEndOfItsNewSection() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> d1 = key("d1", 250);
        Key<String> d2 = key("d2", 250);
        Key<String> c1 = key("c1", 250);
        Key<String> c2 = key("c2", 250);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, d2, 2, DISCONNECTED, T0);
        insert(table, c1, 3, CONNECTED, T0);
        insert(table, c2, 4, CONNECTED, T0);

        table.entry(d1, T0).update(DISCONNECTED);
        assertThat(order(table, d1)).containsExactly("d2-", "d1-", "c1+", "c2+");
        table.entry(c1, T0).update(CONNECTED);
        assertThat(order(table, d1)).containsExactly("d2-", "d1-", "c2+", "c1+");
        table.entry(d2, T0).update(CONNECTED);
        assertThat(order(table, d1)).containsExactly("d1-", "c2+", "c1+", "d2+");
        table.entry(c2, T0).update(DISCONNECTED);
        assertThat(order(table, d1)).containsExactly("d1-", "c2-", "c1+", "d2+");
        table.entry(d2, T0).update(DISCONNECTED);
        table.entry(c1, T0).update(DISCONNECTED);
        assertThat(order(table, d1)).containsExactly("d1-", "c2-", "d2-", "c1-");
        table.entry(d1, T0).update(CONNECTED);
        assertThat(order(table, d1)).containsExactly("c2-", "d2-", "c1-", "d1+");
        assertThat(table.size()).isEqualTo(4);
    }

    @Test
    void setValueKeepsThePosition() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> a = key("a", 250);
        insert(table, a, 1, CONNECTED, T0);
        insert(table, key("b", 250), 2, CONNECTED, T0);
        table.entry(a, T0).setValue(10);
        assertThat(table.entry(a, T0).value()).contains(10);
        assertThat(order(table, a)).containsExactly("a+", "b+");
        assertThatThrownBy(() -> table.entry(a, T0).setValue(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void removeReturnsTheEntryAndKeepsTheOrderOfTheOthers() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> d1 = key("d1", 250);
        Key<String> c1 = key("c1", 250);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("d2", 250), 2, DISCONNECTED, T0);
        insert(table, c1, 3, CONNECTED, T0);
        insert(table, key("c2", 250), 4, CONNECTED, T0);

        Entry<String, Integer> e = table.entry(d1, T0);
        assertThat(e.remove()).isEqualTo(new EntryView<>(new Node<>(d1, 1), DISCONNECTED));
        assertThat(e.kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThatThrownBy(e::remove).isInstanceOf(IllegalStateException.class);
        assertThat(order(table, d1)).containsExactly("d2-", "c1+", "c2+");
        assertThat(table.entry(c1, T0).remove()).isEqualTo(new EntryView<>(new Node<>(c1, 3), CONNECTED));
        assertThat(order(table, d1)).containsExactly("d2-", "c2+");
        assertThat(table.size()).isEqualTo(2);
        // A removed key can come back, at the end of its section.
        insert(table, d1, 5, DISCONNECTED, T0);
        assertThat(order(table, d1)).containsExactly("d2-", "d1-", "c2+");
    }

    @Test
    void removingTheLastConnectedEntryLeavesOnlyDisconnectedOnes() {
        KBucketsTable<String, Integer> table = table(20);
        Key<String> c = key("c", 250);
        insert(table, key("d", 250), 1, DISCONNECTED, T0);
        insert(table, c, 2, CONNECTED, T0);
        table.entry(c, T0).remove();
        insert(table, key("e", 250), 3, DISCONNECTED, T0);
        assertThat(order(table, c)).containsExactly("d-", "e-");
    }

    // ---------------------------------------------------------------- full buckets

    @Test
    void aFullBucketOfConnectedEntriesTakesNothing() {
        KBucketsTable<String, Integer> table = table(2);
        insert(table, key("a", 255), 1, CONNECTED, T0);
        insert(table, key("b", 255), 2, CONNECTED, T0);
        Key<String> c = key("c", 255);
        assertThat(table.entry(c, T0).insert(3, CONNECTED)).isEqualTo(new InsertResult.Full<String>());
        assertThat(table.entry(c, T0).insert(3, DISCONNECTED)).isEqualTo(new InsertResult.Full<String>());
        assertThat(table.entry(c, T0).kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(pending(table, c)).isEmpty();
        // Other buckets are not affected.
        insert(table, key("x", 254), 4, DISCONNECTED, T0);
        assertThat(table.size()).isEqualTo(3);
    }

    @Test
    void aFullBucketRefusesADisconnectedEntryEvenWithDisconnectedEntries() {
        KBucketsTable<String, Integer> table = table(2);
        insert(table, key("a", 255), 1, DISCONNECTED, T0);
        insert(table, key("b", 255), 2, DISCONNECTED, T0);
        Key<String> c = key("c", 255);
        assertThat(table.entry(c, T0).insert(3, DISCONNECTED)).isEqualTo(new InsertResult.Full<String>());
        assertThat(pending(table, c)).isEmpty();
    }

    @Test
    void aConnectedKeyWaitsAsPendingForTheLeastRecentlyConnectedEntry() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> d1 = key("d1", 255);
        insert(table, key("c1", 255), 1, CONNECTED, T0);
        insert(table, d1, 2, DISCONNECTED, T0);
        insert(table, key("d2", 255), 3, DISCONNECTED, T0);

        Key<String> p = key("p", 255);
        Instant t = T0.plusSeconds(5);
        Entry<String, Integer> e = table.entry(p, t);
        assertThat(e.insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d1));
        assertThat(e.kind()).isEqualTo(Entry.Kind.PENDING);
        assertThat(e.status()).contains(CONNECTED);
        assertThat(e.value()).contains(9);
        assertThat(e.view()).contains(new EntryView<>(new Node<>(p, 9), CONNECTED));
        assertThat(table.size()).isEqualTo(3);
        assertThat(pending(table, p)).contains(
                new KBucketView.PendingView<>(new EntryView<>(new Node<>(p, 9), CONNECTED), t.plus(TIMEOUT)));
        assertThatThrownBy(() -> e.insert(9, CONNECTED)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("PENDING");

        // One pending entry per bucket.
        assertThat(table.entry(key("q", 255), t).insert(10, CONNECTED)).isEqualTo(new InsertResult.Full<String>());
        // Pending entries are not entries.
        assertThat(table.closestKeys(p.bytes())).toIterable().doesNotContain(p);
    }

    @Test
    void aPendingEntryIsAppliedWhenDueAndNotBefore() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> d1 = key("d1", 255);
        Key<String> d2 = key("d2", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, d2, 2, DISCONNECTED, T0);
        insert(table, key("c1", 255), 3, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);

        Instant due = T0.plus(TIMEOUT);
        assertThat(table.entry(p, due.minusNanos(1)).kind()).isEqualTo(Entry.Kind.PENDING);
        assertThat(table.takeAppliedPending()).isEmpty();

        assertThat(table.entry(p, due).kind()).isEqualTo(Entry.Kind.PRESENT);
        assertThat(table.entry(d1, due).kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(order(table, p)).containsExactly("d2-", "c1+", "p+");
        assertThat(pending(table, p)).isEmpty();
        assertThat(table.takeAppliedPending()).contains(
                new AppliedPending<>(new Node<>(p, 9), Optional.of(new Node<>(d1, 1))));
        assertThat(table.takeAppliedPending()).isEmpty();
        assertThat(table.size()).isEqualTo(3);
    }

    @Test
    void aPendingEntryThatBecameDisconnectedJoinsTheDisconnectedSection() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> d1 = key("d1", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("d2", 255), 2, DISCONNECTED, T0);
        insert(table, key("c1", 255), 3, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);
        Entry<String, Integer> e = table.entry(p, T0);
        e.update(DISCONNECTED);
        assertThat(e.kind()).isEqualTo(Entry.Kind.PENDING);
        assertThat(e.status()).contains(DISCONNECTED);
        // Updating a pending entry does not move its deadline.
        assertThat(pending(table, p).orElseThrow().replaceAt()).isEqualTo(T0.plus(TIMEOUT));

        table.buckets(T0.plus(TIMEOUT));
        assertThat(order(table, p)).containsExactly("d2-", "p-", "c1+");
        assertThat(table.takeAppliedPending()).contains(
                new AppliedPending<>(new Node<>(p, 9), Optional.of(new Node<>(d1, 1))));
    }

    @Test
    void aDisconnectedPendingEntryInABucketWithoutConnectedEntriesGoesLast() {
        KBucketsTable<String, Integer> table = table(2);
        Key<String> d1 = key("d1", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("d2", 255), 2, DISCONNECTED, T0);
        Key<String> p = key("p", 255);
        assertThat(table.entry(p, T0).insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d1));
        table.entry(p, T0).update(DISCONNECTED);
        table.bucket(p, T0.plus(TIMEOUT));
        assertThat(order(table, p)).containsExactly("d2-", "p-");
    }

    @Test
    void reconnectingTheLeastRecentlyConnectedEntryDropsThePendingOne() {
        KBucketsTable<String, Integer> table = table(2);
        Key<String> d1 = key("d1", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("c1", 255), 2, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);

        table.entry(d1, T0.plusSeconds(1)).update(CONNECTED);
        assertThat(table.entry(p, T0.plusSeconds(1)).kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(order(table, d1)).containsExactly("c1+", "d1+");
        table.buckets(T0.plus(TIMEOUT).plusSeconds(1));
        assertThat(table.takeAppliedPending()).isEmpty();
        assertThat(order(table, d1)).containsExactly("c1+", "d1+");
    }

    @Test
    void aBucketWhoseLeastRecentlyConnectedEntryProvedAliveTakesNoPendingEntryForTheRecheckDelay() {
        Duration recheck = Duration.ofSeconds(30);
        KBucketsTable<String, Integer> table = new KBucketsTable<>(local, 2, TIMEOUT, recheck);
        Key<String> d1 = key("d1", 255);
        Key<String> d2 = key("d2", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, d2, 2, DISCONNECTED, T0);
        table.entry(key("p1", 255), T0).insert(9, CONNECTED);
        // d1 answers: p1 is dropped, and for 30 s no new peer waits to replace d2, the next to check
        Instant alive = T0.plusSeconds(1);
        table.entry(d1, alive).update(CONNECTED);
        Key<String> p2 = key("p2", 255);
        assertThat(table.entry(p2, alive.plus(recheck).minusMillis(1)).insert(9, CONNECTED))
                .isEqualTo(new InsertResult.Full<String>());
        assertThat(pending(table, p2)).isEmpty();
        // then the next one does, as in the reference
        assertThat(table.entry(p2, alive.plus(recheck)).insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d2));
        // an entry that reconnects with no pending entry waiting starts no pause
        Key<String> d3 = key("d3", 254);
        Key<String> d4 = key("d4", 254);
        insert(table, d3, 3, DISCONNECTED, T0);
        insert(table, d4, 4, DISCONNECTED, T0);
        table.entry(d3, alive).update(CONNECTED);
        assertThat(table.entry(key("p3", 254), alive).insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d4));
    }

    @Test
    void aBucketIsFullAndSeenSinceAnInstantWhenEachOfItsKEntriesWasConnectedAtOrAfterIt() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> a = key("a", 255);
        Key<String> b = key("b", 255);
        Key<String> c = key("c", 255);
        Instant since = T0.plusSeconds(10);
        insert(table, a, 1, CONNECTED, T0);
        insert(table, b, 2, CONNECTED, T0.plusSeconds(1));
        // not full
        assertThat(table.isFullAndSeenSince(a, since)).isFalse();
        insert(table, c, 3, CONNECTED, T0.plusSeconds(2));
        // connected now, whenever they connected
        assertThat(table.isFullAndSeenSince(a, since)).isTrue();
        // a's connection closed before since: not seen since
        table.entry(a, since.minusMillis(1)).update(DISCONNECTED);
        assertThat(table.isFullAndSeenSince(c, since)).isFalse();
        // it reconnects and closes again at since: seen since
        table.entry(a, since.minusMillis(1)).update(CONNECTED);
        table.entry(a, since).update(DISCONNECTED);
        assertThat(table.isFullAndSeenSince(c, since)).isTrue();
        assertThat(table.isFullAndSeenSince(c, since.plusMillis(1))).isFalse();
        // the moment follows the entry when others move around it
        table.entry(b, since.plusSeconds(5)).update(DISCONNECTED);
        assertThat(order(table, a)).containsExactly("a-", "b-", "c+");
        assertThat(table.isFullAndSeenSince(c, since)).isTrue();
        assertThat(table.isFullAndSeenSince(c, since.plusSeconds(1))).isFalse();
        table.entry(a, since.plusSeconds(6)).update(CONNECTED);
        assertThat(table.isFullAndSeenSince(c, since.plusSeconds(5))).isTrue();
        // other buckets and the local key are not full
        assertThat(table.isFullAndSeenSince(key("d", 254), T0)).isFalse();
        assertThat(table.isFullAndSeenSince(local, T0)).isFalse();
    }

    @Test
    void anEntryThatEnteredDisconnectedOrWasEvictedLeavesNoTrace() {
        KBucketsTable<String, Integer> table = table(2);
        Key<String> a = key("a", 255);
        Key<String> b = key("b", 255);
        insert(table, a, 1, DISCONNECTED, T0);
        insert(table, b, 2, CONNECTED, T0);
        // a was never seen connected
        assertThat(table.isFullAndSeenSince(b, Instant.MIN)).isFalse();
        // a new peer replaces it once the pending timeout is over; the bucket is then seen since
        Key<String> p = key("p", 255);
        assertThat(table.entry(p, T0).insert(3, CONNECTED)).isEqualTo(new InsertResult.Pending<>(a));
        assertThat(table.entry(p, T0.plus(TIMEOUT)).status()).contains(CONNECTED);
        assertThat(order(table, b)).containsExactly("b+", "p+");
        assertThat(table.isFullAndSeenSince(b, T0.plus(TIMEOUT))).isTrue();
    }

    @Test
    void reconnectingAnotherDisconnectedEntryKeepsThePendingOne() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> d1 = key("d1", 255);
        Key<String> d2 = key("d2", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, d2, 2, DISCONNECTED, T0);
        insert(table, key("c1", 255), 3, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);

        table.entry(d2, T0).update(CONNECTED);
        assertThat(table.entry(p, T0).kind()).isEqualTo(Entry.Kind.PENDING);
        table.buckets(T0.plus(TIMEOUT));
        assertThat(order(table, d1)).containsExactly("c1+", "d2+", "p+");
        assertThat(table.takeAppliedPending().orElseThrow().evicted()).contains(new Node<>(d1, 1));
    }

    @Test
    void refreshingTheFirstDisconnectedEntryMakesTheNextOneTheVictim() {
        KBucketsTable<String, Integer> table = table(3);
        Key<String> d1 = key("d1", 255);
        Key<String> d2 = key("d2", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, d2, 2, DISCONNECTED, T0);
        insert(table, key("c1", 255), 3, CONNECTED, T0);
        Key<String> p = key("p", 255);
        assertThat(table.entry(p, T0).insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d1));
        table.entry(d1, T0).update(DISCONNECTED); // still disconnected: the pending entry stays
        table.buckets(T0.plus(TIMEOUT));
        assertThat(order(table, d1)).containsExactly("d1-", "c1+", "p+");
        assertThat(table.takeAppliedPending().orElseThrow().evicted()).contains(new Node<>(d2, 2));
    }

    @Test
    void aDuePendingEntryIsDroppedWhenItsBucketIsFullOfConnectedEntries() {
        KBucketsTable<String, Integer> table = table(2);
        Key<String> d1 = key("d1", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        insert(table, key("c1", 255), 2, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);
        table.entry(d1, T0).remove();
        insert(table, key("c2", 255), 3, CONNECTED, T0);
        assertThat(table.entry(p, T0).kind()).isEqualTo(Entry.Kind.PENDING);

        assertThat(table.entry(p, T0.plus(TIMEOUT)).kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(table.takeAppliedPending()).isEmpty();
        assertThat(order(table, p)).containsExactly("c1+", "c2+");
        assertThat(pending(table, p)).isEmpty();
    }

    @Test
    void aDuePendingEntryFillsAFreeSlotWithoutEviction() {
        KBucketsTable<String, Integer> table = table(2);
        Key<String> c1 = key("c1", 255);
        insert(table, key("d1", 255), 1, DISCONNECTED, T0);
        insert(table, c1, 2, CONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);
        table.entry(c1, T0).remove();
        // The free slot is not taken before the pending entry is due.
        assertThat(table.entry(p, T0.plusSeconds(1)).kind()).isEqualTo(Entry.Kind.PENDING);
        assertThat(table.size()).isEqualTo(1);

        table.buckets(T0.plus(TIMEOUT));
        assertThat(order(table, p)).containsExactly("d1-", "p+");
        assertThat(table.takeAppliedPending()).contains(new AppliedPending<>(new Node<>(p, 9), Optional.empty()));
        assertThat(table.size()).isEqualTo(2);
    }

    @Test
    void aPendingEntryCanBeRemovedAndChanged() {
        KBucketsTable<String, Integer> table = table(1);
        insert(table, key("d1", 255), 1, DISCONNECTED, T0);
        Key<String> p = key("p", 255);
        table.entry(p, T0).insert(9, CONNECTED);
        Entry<String, Integer> e = table.entry(p, T0);
        e.setValue(10);
        assertThat(e.value()).contains(10);
        assertThat(e.remove()).isEqualTo(new EntryView<>(new Node<>(p, 10), CONNECTED));
        assertThat(e.kind()).isEqualTo(Entry.Kind.ABSENT);
        assertThat(pending(table, p)).isEmpty();
        table.buckets(T0.plus(TIMEOUT));
        assertThat(table.takeAppliedPending()).isEmpty();
        // The slot is free again for another pending entry.
        Key<String> q = key("q", 255);
        assertThat(table.entry(q, T0).insert(11, CONNECTED)).isInstanceOf(InsertResult.Pending.class);
    }

    @Test
    void aZeroTimeoutAppliesAtTheNextAccess() {
        KBucketsTable<String, Integer> table = new KBucketsTable<>(local, 1, Duration.ZERO);
        Key<String> d1 = key("d1", 255);
        insert(table, d1, 1, DISCONNECTED, T0);
        Key<String> p = key("p", 255);
        Entry<String, Integer> e = table.entry(p, T0);
        assertThat(e.insert(9, CONNECTED)).isEqualTo(new InsertResult.Pending<>(d1));
        assertThat(e.kind()).isEqualTo(Entry.Kind.PENDING); // the handle does not apply anything
        assertThat(table.entry(p, T0).kind()).isEqualTo(Entry.Kind.PRESENT);
    }

    @Test
    void everyAccessWithAnInstantAppliesDueEntriesAndClosestWithoutOneDoesNot() {
        List<Function<KBucketsTable<String, Integer>, Object>> accesses = List.of(
                t -> t.buckets(T0.plus(TIMEOUT)),
                t -> t.bucket(key("any", 255), T0.plus(TIMEOUT)),
                t -> t.entry(key("any", 255), T0.plus(TIMEOUT)),
                t -> drain(t.closestKeys(localBytes, T0.plus(TIMEOUT))),
                t -> drain(t.closest(TestKeys.random(random), T0.plus(TIMEOUT))));
        for (Function<KBucketsTable<String, Integer>, Object> access : accesses) {
            KBucketsTable<String, Integer> table = table(1);
            insert(table, key("d1", 255), 1, DISCONNECTED, T0);
            Key<String> p = key("p", 255);
            table.entry(p, T0).insert(9, CONNECTED);

            drain(table.closestKeys(localBytes));
            drain(table.closest(localBytes));
            table.countNodesBetween(p.bytes());
            assertThat(table.takeAppliedPending()).isEmpty();

            access.apply(table);
            assertThat(table.takeAppliedPending()).isPresent();
            assertThat(table.peekBuckets().get(255).entries()).extracting(e -> e.node().key()).containsExactly(p);
        }
    }

    @Test
    void appliedReplacementsAreReportedOldestFirst() {
        KBucketsTable<String, Integer> table = table(1);
        Key<String> a = key("a", 10);
        Key<String> b = key("b", 100);
        insert(table, a, 1, DISCONNECTED, T0);
        insert(table, b, 2, DISCONNECTED, T0);
        Key<String> pa = key("pa", 10);
        Key<String> pb = key("pb", 100);
        table.entry(pa, T0).insert(3, CONNECTED);
        table.entry(pb, T0).insert(4, CONNECTED);
        Instant due = T0.plus(TIMEOUT);
        table.entry(pb, due);
        table.entry(pa, due);
        assertThat(table.takeAppliedPending().orElseThrow().inserted().key()).isEqualTo(pb);
        assertThat(table.takeAppliedPending().orElseThrow().inserted().key()).isEqualTo(pa);
        assertThat(table.takeAppliedPending()).isEmpty();
    }

    @Test
    void theSmallestBucketsHoldAsManyKeysAsExist() {
        // Bucket 0 holds the single key differing from the local key in the last bit; bucket 1 two keys.
        KBucketsTable<String, Integer> table = table(20);
        Key<String> b0 = Key.withDigest("b0", TestKeys.at(localBytes, new Distance(0, 0, 0, 1)));
        Key<String> b1a = Key.withDigest("b1a", TestKeys.at(localBytes, new Distance(0, 0, 0, 2)));
        Key<String> b1b = Key.withDigest("b1b", TestKeys.at(localBytes, new Distance(0, 0, 0, 3)));
        insert(table, b0, 0, CONNECTED, T0);
        insert(table, b1a, 1, CONNECTED, T0);
        insert(table, b1b, 2, CONNECTED, T0);
        List<KBucketView<String, Integer>> buckets = table.buckets(T0);
        assertThat(buckets.get(0).entries()).extracting(e -> e.node().key()).containsExactly(b0);
        assertThat(buckets.get(1).entries()).extracting(e -> e.node().key()).containsExactly(b1a, b1b);
        // From the local key: bucket 0 first, then bucket 1, by distance within it.
        assertThat(drain(table.closestKeys(localBytes))).containsExactly(b0, b1a, b1b);
        // From b0 (distance 1 to local): b0 itself, then bucket 1 (b1b = b0 ^ 2), b1a (b0 ^ 3).
        assertThat(drain(table.closestKeys(b0.bytes()))).containsExactly(b0, b1b, b1a);
        assertThat(table.countNodesBetween(b0.bytes())).isEqualTo(1);
    }

    // ---------------------------------------------------------------- closest and counting

    @Test
    void closestVisitsBucketsByDistanceToTheTarget() {
        KBucketsTable<String, Integer> table = table(20);
        List<Key<String>> keys = new ArrayList<>();
        for (int bucket : new int[] {255, 254, 200, 129, 128, 64, 63, 5, 0}) {
            for (int i = 0; i < (bucket == 0 ? 1 : 3); i++) {
                Key<String> key = key("k" + bucket + "_" + i, bucket);
                if (table.entry(key, T0).kind() == Entry.Kind.ABSENT) {
                    insert(table, key, bucket, i % 2 == 0 ? CONNECTED : DISCONNECTED, T0);
                    keys.add(key);
                }
            }
        }
        for (KeyBytes target : List.of(localBytes, TestKeys.random(random), keys.get(4).bytes(),
                TestKeys.inBucket(localBytes, 100, random), TestKeys.inBucket(localBytes, 0, random))) {
            List<Key<String>> expected = new ArrayList<>(keys);
            expected.sort((x, y) -> x.distance(target).compareTo(y.distance(target)));
            assertThat(drain(table.closestKeys(target))).containsExactlyElementsOf(expected);
            List<EntryView<String, Integer>> views = drain(table.closest(target));
            assertThat(views).extracting(v -> v.node().key()).containsExactlyElementsOf(expected);
            for (EntryView<String, Integer> v : views) {
                assertThat(table.entry(v.node().key(), T0).view()).contains(v);
            }
            long between = keys.stream()
                    .filter(n -> n.distance(target).compareTo(local.distance(target)) < 0).count();
            assertThat(table.countNodesBetween(target)).isEqualTo(between);
        }
        assertThat(table.countNodesBetween(localBytes)).isZero();
    }

    @Test
    void closestOrdersKeysThatAgreeOnTheirTop64Bits() {
        // Within a bucket, entries are sorted on 64 bits of distance first: these keys tie there.
        KBucketsTable<String, Integer> table = table(20);
        List<Key<String>> keys = new ArrayList<>();
        for (int bucket : new int[] {255, 200, 64}) {
            Distance top = TestKeys.distanceInBucket(bucket, random);
            for (int i = 0; i < 12; i++) {
                Distance d = switch (bucket) {
                    case 255 -> new Distance(top.w0, random.nextLong(), random.nextLong(), random.nextLong());
                    case 200 -> new Distance(top.w0, top.w1, random.nextLong(), random.nextLong());
                    default -> new Distance(0, 0, top.w2, random.nextLong() & 0xffL);
                };
                Key<String> key = Key.withDigest("k" + bucket + "_" + i, TestKeys.at(localBytes, d));
                if (table.entry(key, T0).kind() == Entry.Kind.ABSENT) {
                    insert(table, key, i, i % 3 == 0 ? DISCONNECTED : CONNECTED, T0);
                    keys.add(key);
                }
            }
        }
        for (KeyBytes target : List.of(localBytes, TestKeys.random(random), keys.get(3).bytes(),
                TestKeys.at(localBytes, new Distance(0, 0, 1, 0)))) {
            List<Key<String>> expected = new ArrayList<>(keys);
            expected.sort((x, y) -> x.distance(target).compareTo(y.distance(target)));
            assertThat(drain(table.closestKeys(target))).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void closestOfAnEmptyTableIsEmpty() {
        KBucketsTable<String, Integer> table = table(20);
        Iterator<Key<String>> it = table.closestKeys(TestKeys.random(random));
        assertThat(it.hasNext()).isFalse();
        assertThatThrownBy(it::next).isInstanceOf(NoSuchElementException.class);
        assertThat(table.countNodesBetween(TestKeys.random(random))).isZero();
    }

    @Test
    void closestIsFailFast() {
        KBucketsTable<String, Integer> table = table(20);
        insert(table, key("a", 255), 1, CONNECTED, T0);
        insert(table, key("b", 254), 2, CONNECTED, T0);
        Iterator<Key<String>> it = table.closestKeys(localBytes);
        it.next();
        insert(table, key("c", 253), 3, CONNECTED, T0);
        assertThatThrownBy(it::hasNext).isInstanceOf(ConcurrentModificationException.class);
        assertThatThrownBy(() -> table.closestKeys(localBytes).remove()).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void worksWithPeerIdKeys() {
        Random r = new Random(7);
        Key<PeerId> me = Key.of(PeerId.random(r));
        KBucketsTable<PeerId, String> table = new KBucketsTable<>(me, 20, TIMEOUT);
        List<Key<PeerId>> inserted = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            Key<PeerId> key = Key.of(PeerId.random(r));
            if (table.entry(key, T0).insert("addr" + i, CONNECTED) instanceof InsertResult.Inserted<PeerId>) {
                inserted.add(key);
            }
        }
        assertThat(table.size()).isEqualTo(inserted.size());
        assertThat(table.entry(Key.of(me.preimage()), T0).kind()).isEqualTo(Entry.Kind.SELF);
        KeyBytes target = Key.of(PeerId.random(r)).bytes();
        inserted.sort((x, y) -> x.distance(target).compareTo(y.distance(target)));
        List<Key<PeerId>> first20 = new ArrayList<>();
        Iterator<Key<PeerId>> it = table.closestKeys(target);
        while (first20.size() < 20 && it.hasNext()) {
            first20.add(it.next());
        }
        assertThat(first20).containsExactlyElementsOf(inserted.subList(0, 20));
    }

    static <T> List<T> drain(Iterator<T> it) {
        List<T> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
