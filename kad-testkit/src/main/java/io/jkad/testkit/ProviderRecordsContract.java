package io.jkad.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException.Kind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The kit's provider part: provider records, the per-key cap, and expiry of both kinds of record. */
public abstract class ProviderRecordsContract extends ValueRecordsContract {
    // ------------------------------------------------------------------ providers

    @Test
    void addProviderThenProvidersReturnsIt() {
        RecordStore s = open();
        ProviderRecord p = provider(key("k"), peer(1), clock.instant().plus(Duration.ofHours(24)));
        assertThat(s.addProvider(p)).isTrue();
        assertThat(s.providers(key("k"))).containsExactly(p);
    }

    /**
     * {@code providedFrom}: the local provider records in keyspace order (by the SHA-256 of the
     * key), from a position on; regions of the keyspace read as runs with one prefix, the next
     * region found from its start; remote providers never listed; removals seen; kept across a
     * reopen.
     */
    @Test
    void providedFromWalksTheLocalProvidedKeysInKeyspaceOrder() {
        StoreConfig config = config();
        RecordStore s = open(config);
        List<ProviderRecord> local = new ArrayList<>();
        for (int i = 0; i < 300; i++) {
            ProviderRecord p = provider(key("provided " + i), localPeer);
            assertThat(s.addProvider(p)).isTrue();
            local.add(p);
            if (i % 3 == 0) {
                s.addProvider(provider(key("provided " + i), peer(i + 1)));
                s.addProvider(provider(key("only remote " + i), peer(i + 1)));
            }
        }
        local.sort(Keyspace.ORDER);
        assertThat(drain(s.providedFrom(new byte[Keyspace.ID_BYTES]))).containsExactlyElementsOf(local);

        // regions of 3 bits: each read from its start while the prefix holds, the next found from there
        List<ProviderRecord> walked = new ArrayList<>();
        byte[] at = new byte[Keyspace.ID_BYTES];
        int regions = 0;
        while (true) {
            List<ProviderRecord> region = new ArrayList<>();
            byte[] prefix = null;
            try (CloseableIterator<ProviderRecord> it = s.providedFrom(at)) {
                while (it.hasNext()) {
                    ProviderRecord r = it.next();
                    byte[] id = Keyspace.id(r.key());
                    if (prefix == null) {
                        prefix = id;
                    } else if (!Keyspace.hasPrefix(id, prefix, 3)) {
                        break;
                    }
                    region.add(r);
                }
            }
            if (prefix == null) {
                break;
            }
            byte[] regionPrefix = prefix;
            assertThat(region).allSatisfy(r -> assertThat(Keyspace.hasPrefix(Keyspace.id(r.key()), regionPrefix, 3)).isTrue());
            assertThat(region).containsExactlyElementsOf(local.stream()
                    .filter(r -> Keyspace.hasPrefix(Keyspace.id(r.key()), regionPrefix, 3)).toList());
            walked.addAll(region);
            regions++;
            java.util.Optional<byte[]> next = Keyspace.nextRegionStart(prefix, 3);
            if (next.isEmpty()) {
                break;
            }
            at = next.get();
        }
        assertThat(walked).containsExactlyElementsOf(local);
        assertThat(regions).isEqualTo(8); // 300 random ids leave no 3-bit region empty

        // from the middle: exactly the records at or after that position
        byte[] middle = Keyspace.id(local.get(150).key());
        assertThat(drain(s.providedFrom(middle))).containsExactlyElementsOf(local.subList(150, 300));

        s.removeProvider(local.get(10).key(), localPeer);
        List<ProviderRecord> left = new ArrayList<>(local);
        left.remove(10);
        assertThat(drain(s.providedFrom(new byte[Keyspace.ID_BYTES]))).containsExactlyElementsOf(left);
        if (persistent()) {
            s = reopen(s, config);
            assertThat(drain(s.providedFrom(new byte[Keyspace.ID_BYTES]))).containsExactlyElementsOf(left);
        }
        RecordStore store = s;
        assertThatThrownBy(() -> store.providedFrom(new byte[31])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void providersOfUnknownKeyIsEmpty() {
        RecordStore s = open();
        assertThat(s.providers(key("nobody"))).isEmpty();
        s.addProvider(provider(key("somebody"), peer(1)));
        assertThat(s.providers(key("nobody"))).isEmpty();
        s.put(record(key("value only"), "v"));
        assertThat(s.providers(key("value only"))).isEmpty();
    }

    @Test
    void providersAreListedInTheOrderFirstAdded() {
        RecordStore s = open();
        List<ProviderRecord> expected = new ArrayList<>();
        // peers in an order unrelated to their ids or their distance to the key
        for (int i : new int[] {7, 2, 9, 0, 5, 3}) {
            ProviderRecord p = provider(key("k"), peer(i));
            s.addProvider(p);
            expected.add(p);
        }
        assertThat(s.providers(key("k"))).containsExactlyElementsOf(expected);
        // removed and added again: last
        s.removeProvider(key("k"), peer(2));
        s.addProvider(provider(key("k"), peer(2)));
        expected.remove(1);
        expected.add(provider(key("k"), peer(2)));
        assertThat(s.providers(key("k"))).containsExactlyElementsOf(expected);
    }

    @Test
    void addingAKnownProviderUpdatesItInPlace() {
        RecordStore s = open();
        RecordKey k = key("k");
        s.addProvider(provider(k, peer(1), clock.instant().plusSeconds(10)));
        s.addProvider(provider(k, peer(2), clock.instant().plusSeconds(10)));
        s.addProvider(provider(k, peer(3), clock.instant().plusSeconds(10)));
        ProviderRecord updated = provider(k, peer(2), clock.instant().plusSeconds(99));
        assertThat(s.addProvider(updated)).isTrue();
        assertThat(s.providers(k)).containsExactly(
                provider(k, peer(1), clock.instant().plusSeconds(10)), updated,
                provider(k, peer(3), clock.instant().plusSeconds(10)));
        ProviderRecord neverExpires = provider(k, peer(2));
        assertThat(s.addProvider(neverExpires)).isTrue();
        assertThat(s.providers(k)).hasSize(3).element(1).isEqualTo(neverExpires);
    }

    @Test
    void fullProviderListIgnoresNewProvidersAndKeepsTheOldOnes() {
        RecordStore s = open(config(16, 1024, 3, 16));
        RecordKey k = key("k");
        List<ProviderRecord> first = List.of(provider(k, peer(1)), provider(k, peer(2)), provider(k, peer(3)));
        for (ProviderRecord p : first) {
            assertThat(s.addProvider(p)).isTrue();
        }
        assertThat(s.addProvider(provider(k, peer(4)))).isFalse();
        assertThat(s.addProvider(provider(k, localPeer))).isFalse();
        assertThat(s.providers(k)).containsExactlyElementsOf(first);
        assertThat(provided(s)).isEmpty();
        // an update of a listed provider still works when the list is full
        ProviderRecord update = provider(k, peer(3), clock.instant().plusSeconds(5));
        assertThat(s.addProvider(update)).isTrue();
        assertThat(s.providers(k)).containsExactly(first.get(0), first.get(1), update);
        // a removal makes room again
        s.removeProvider(k, peer(1));
        assertThat(s.addProvider(provider(k, peer(4)))).isTrue();
        assertThat(s.providers(k)).containsExactly(first.get(1), update, provider(k, peer(4)));
    }

    @Test
    void providerAddressesAreKeptAndReplacedByAnUpdate() {
        List<Multiaddr> addresses = addresses();
        RecordStore s = open();
        RecordKey k = key("k");
        ProviderRecord first = new ProviderRecord(k, peer(1), Optional.empty(), addresses.subList(0, 2));
        s.addProvider(first);
        assertThat(s.providers(k)).containsExactly(first);
        assertThat(s.providers(k).get(0).addresses()).containsExactlyElementsOf(addresses.subList(0, 2));
        ProviderRecord moved = new ProviderRecord(k, peer(1), Optional.empty(), addresses.subList(2, 3));
        s.addProvider(moved);
        assertThat(s.providers(k).get(0).addresses()).containsExactlyElementsOf(addresses.subList(2, 3));
        ProviderRecord none = new ProviderRecord(k, peer(1), Optional.empty(), List.of());
        s.addProvider(none);
        assertThat(s.providers(k)).containsExactly(none);
    }

    @Test
    void removeProviderRemovesOnlyThatProvider() {
        RecordStore s = open();
        s.addProvider(provider(key("a"), peer(1)));
        s.addProvider(provider(key("a"), peer(2)));
        s.addProvider(provider(key("b"), peer(1)));
        s.removeProvider(key("a"), peer(1));
        assertThat(s.providers(key("a"))).containsExactly(provider(key("a"), peer(2)));
        assertThat(s.providers(key("b"))).containsExactly(provider(key("b"), peer(1)));
        s.removeProvider(key("a"), peer(9));
        s.removeProvider(key("unknown"), peer(1));
        assertThat(s.providers(key("a"))).containsExactly(provider(key("a"), peer(2)));
        s.removeProvider(key("a"), peer(2));
        assertThat(s.providers(key("a"))).isEmpty();
    }

    @Test
    void providersListIsASnapshot() {
        RecordStore s = open();
        s.addProvider(provider(key("k"), peer(1)));
        List<ProviderRecord> list = s.providers(key("k"));
        try {
            list.clear();
        } catch (UnsupportedOperationException expected) {
            // an immutable list is the expected answer
        }
        assertThat(s.providers(key("k"))).containsExactly(provider(key("k"), peer(1)));
        List<ProviderRecord> before = List.copyOf(s.providers(key("k")));
        List<ProviderRecord> snapshot = s.providers(key("k"));
        s.addProvider(provider(key("k"), peer(2)));
        assertThat(snapshot).isEqualTo(before);
    }

    @Test
    void providedListsExactlyTheLocalPeersRecords() {
        RecordStore s = open();
        ProviderRecord mine1 = provider(key("k1"), localPeer, clock.instant().plusSeconds(30));
        ProviderRecord mine2 = provider(key("k2"), localPeer);
        s.addProvider(provider(key("k1"), peer(1)));
        s.addProvider(mine1);
        s.addProvider(mine2);
        s.addProvider(provider(key("k3"), peer(1)));
        s.put(record(key("k4"), "value records are not provider records"));
        assertThat(provided(s)).containsExactlyInAnyOrder(mine1, mine2);
        // an update shows in provided()
        ProviderRecord mine1Later = provider(key("k1"), localPeer, clock.instant().plusSeconds(300));
        s.addProvider(mine1Later);
        assertThat(provided(s)).containsExactlyInAnyOrder(mine1Later, mine2);
        // follows removals, and is not touched by removing others
        s.removeProvider(key("k1"), localPeer);
        s.removeProvider(key("k3"), peer(1));
        assertThat(provided(s)).containsExactly(mine2);
        s.removeProvider(key("k2"), localPeer);
        assertThat(provided(s)).isEmpty();
        s.addProvider(mine1);
        assertThat(provided(s)).containsExactly(mine1);
    }

    // ------------------------------------------------------------------ expiry

    @Test
    void removeExpiredRemovesExactlyTheExpiredRecords() {
        RecordStore s = open();
        Instant now = clock.instant();
        s.put(record(key("past"), bytes("1"), null, now.minusSeconds(1)));
        s.put(record(key("now"), bytes("2"), null, now));
        DhtRecord soon = record(key("soon"), bytes("3"), null, now.plusNanos(1));
        DhtRecord never = record(key("never"), bytes("4"), null, null);
        s.put(soon);
        s.put(never);
        RecordKey pk = key("provided key");
        s.addProvider(provider(pk, peer(1), now.minusMillis(1)));
        ProviderRecord later = provider(pk, peer(2), now.plusSeconds(1));
        s.addProvider(later);
        s.addProvider(provider(pk, localPeer, now));
        ProviderRecord forever = provider(key("other"), peer(3));
        s.addProvider(forever);

        assertThat(s.removeExpired(now)).isEqualTo(4);
        assertThat(byKey(records(s)).values()).containsExactlyInAnyOrder(soon, never);
        assertThat(s.providers(pk)).containsExactly(later);
        assertThat(s.providers(key("other"))).containsExactly(forever);
        assertThat(provided(s)).isEmpty();
        assertThat(s.removeExpired(now)).isZero();

        assertThat(s.removeExpired(clock.advance(Duration.ofNanos(1)))).isEqualTo(1);
        assertThat(s.get(key("soon"))).isEmpty();
        assertThat(s.removeExpired(clock.advance(Duration.ofSeconds(1)))).isEqualTo(1);
        assertThat(s.providers(pk)).isEmpty();
    }

    @Test
    void recordsWithoutExpiryNeverExpire() {
        RecordStore s = open();
        s.put(record(key("v"), "forever"));
        s.addProvider(provider(key("p"), peer(1)));
        s.addProvider(provider(key("q"), localPeer));
        Instant farFuture = clock.instant().plus(Duration.ofDays(365L * 150));
        assertThat(s.removeExpired(farFuture)).isZero();
        assertThat(s.get(key("v"))).isPresent();
        assertThat(s.providers(key("p"))).hasSize(1);
        assertThat(provided(s)).hasSize(1);
    }

    @Test
    void removeExpiredOnAnEmptyStoreReturnsZero() {
        RecordStore s = open();
        assertThat(s.removeExpired(clock.instant())).isZero();
        s.put(record(key("v"), bytes("x"), null, clock.instant().plusSeconds(1)));
        assertThat(s.removeExpired(clock.instant())).isZero();
        assertThat(s.get(key("v"))).isPresent();
    }

    @Test
    void readsReturnExpiredRecordsUntilRemoved() {
        RecordStore s = open();
        Instant t = clock.instant();
        DhtRecord r = record(key("v"), bytes("x"), peer(1), t);
        ProviderRecord p = provider(key("p"), localPeer, t);
        s.put(r);
        s.addProvider(p);
        clock.advance(Duration.ofHours(1));
        assertThat(s.get(key("v"))).contains(r);
        assertThat(s.providers(key("p"))).containsExactly(p);
        assertThat(records(s)).containsExactly(r);
        assertThat(provided(s)).containsExactly(p);
        assertThat(s.removeExpired(clock.instant())).isEqualTo(2);
        assertThat(s.get(key("v"))).isEmpty();
        assertThat(s.providers(key("p"))).isEmpty();
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void replacingARecordReschedulesItsExpiry() {
        RecordStore s = open();
        Instant t1 = clock.instant().plusSeconds(10);
        Instant t2 = clock.instant().plusSeconds(20);
        s.put(record(key("later"), bytes("a"), null, t1));
        s.put(record(key("later"), bytes("b"), null, t2));
        s.put(record(key("never"), bytes("a"), null, t1));
        s.put(record(key("never"), bytes("b"), null, null));
        s.put(record(key("sooner"), bytes("a"), null, t2));
        s.put(record(key("sooner"), bytes("b"), null, t1));
        assertThat(s.removeExpired(t1)).isEqualTo(1);
        assertThat(s.get(key("sooner"))).isEmpty();
        assertThat(s.get(key("later"))).contains(record(key("later"), bytes("b"), null, t2));
        assertThat(s.removeExpired(t2)).isEqualTo(1);
        assertThat(s.get(key("later"))).isEmpty();
        assertThat(s.get(key("never"))).contains(record(key("never"), bytes("b"), null, null));
    }

    @Test
    void updatingAProviderReschedulesItsExpiry() {
        RecordStore s = open();
        Instant t1 = clock.instant().plusSeconds(10);
        Instant t2 = clock.instant().plusSeconds(20);
        RecordKey k = key("k");
        s.addProvider(provider(k, peer(1), t1));
        s.addProvider(provider(k, peer(1), t2));
        s.addProvider(provider(k, localPeer, t1));
        s.addProvider(provider(k, localPeer, null));
        s.addProvider(provider(k, peer(2), t2));
        s.addProvider(provider(k, peer(2), t1));
        assertThat(s.removeExpired(t1)).isEqualTo(1);
        assertThat(s.providers(k)).containsExactly(provider(k, peer(1), t2), provider(k, localPeer));
        assertThat(s.removeExpired(t2)).isEqualTo(1);
        assertThat(s.providers(k)).containsExactly(provider(k, localPeer));
        assertThat(provided(s)).containsExactly(provider(k, localPeer));
    }

    @Test
    void removedRecordsAreNotCountedAgainByRemoveExpired() {
        RecordStore s = open();
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key("v"), bytes("x"), null, t));
        s.addProvider(provider(key("p"), peer(1), t));
        s.addProvider(provider(key("p"), localPeer, t));
        s.remove(key("v"));
        s.removeProvider(key("p"), peer(1));
        assertThat(s.removeExpired(t)).isEqualTo(1);
        assertThat(s.removeExpired(t)).isZero();
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void removeExpiredFreesRecordAndProvidedKeySlots() {
        RecordStore s = open(config(2, 1024, 20, 2));
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key(0), bytes("x"), null, t));
        s.put(record(key(1), bytes("y"), null, null));
        s.addProvider(provider(key(0), peer(0), t));
        s.addProvider(provider(key(1), peer(1), null));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(2), "z")));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(2), peer(2))));
        assertThat(s.removeExpired(t)).isEqualTo(2);
        s.put(record(key(2), "z"));
        assertThat(s.addProvider(provider(key(2), peer(2)))).isTrue();
    }

    @Test
    void removeExpiredSweepsManyRecordsInSteps() {
        int n = 2000;
        RecordStore s = open(config(n, 1024, 20, n));
        Instant start = clock.instant();
        int withExpiry = 0;
        for (int i = 0; i < n; i++) {
            Instant expires = i % 10 == 8 ? null : start.plusSeconds(i % 100).plusNanos(i);
            s.put(record(key(i), bytes("v" + i), null, expires));
            if (i % 4 == 0) {
                s.addProvider(provider(key(i), i % 8 == 0 ? localPeer : peer(i), expires));
            }
            if (expires != null) {
                withExpiry += i % 4 == 0 ? 2 : 1;
            }
        }
        long removed = 0;
        for (int step = 0; step <= 100; step += 10) {
            Instant now = start.plusSeconds(step).plusNanos(n);
            long expected = 0;
            for (int i = 0; i < n; i++) {
                if (i % 10 != 8) {
                    Instant expires = start.plusSeconds(i % 100).plusNanos(i);
                    boolean expiredNow = !expires.isAfter(now);
                    boolean expiredBefore = step > 0 && !expires.isAfter(start.plusSeconds(step - 10).plusNanos(n));
                    if (expiredNow && !expiredBefore) {
                        expected += i % 4 == 0 ? 2 : 1;
                    }
                }
            }
            long r = s.removeExpired(now);
            assertThat(r).as("removed at step %d", step).isEqualTo(expected);
            removed += r;
        }
        assertThat(removed).isEqualTo(withExpiry);
        assertThat(records(s)).hasSize(n / 10);
        // the providers left are those without expiry: every 4th key among them, every 8th the local peer's
        assertThat(provided(s)).hasSize(n / 40).allSatisfy(p -> assertThat(p.expires()).isEmpty());
        assertThat(s.providers(key(28))).containsExactly(provider(key(28), peer(28)));
    }


    // ------------------------------------------------------------------ provider cap (issue 11)

    @Test
    void atTheDefaultProviderCapEveryListedProviderStillRefreshesAndNewOnesAreRefused() {
        StoreConfig config = config();
        RecordStore s = open(config);
        RecordKey k = key("popular");
        int cap = StoreConfig.DEFAULT_MAX_PROVIDERS_PER_KEY;
        Instant first = clock.instant().plusSeconds(60);
        for (int i = 0; i < cap; i++) {
            assertThat(s.addProvider(provider(k, peer(i), first))).isTrue();
        }
        StoreCounts counts = s.counts();
        // A newcomer is refused, without an exception and without a trace.
        assertThat(s.addProvider(provider(k, peer(cap), first))).isFalse();
        assertThat(s.providers(k)).extracting(ProviderRecord::provider).doesNotContain(peer(cap)).hasSize(cap);
        assertThat(s.counts()).isEqualTo(counts);
        // Every listed provider may still refresh: its expiry moves, its place stays.
        Instant refreshed = clock.instant().plusSeconds(3600);
        for (int i = 0; i < cap; i += 2) {
            assertThat(s.addProvider(provider(k, peer(i), refreshed))).as("refresh of provider %d", i).isTrue();
        }
        List<ProviderRecord> listed = s.providers(k);
        assertThat(listed).hasSize(cap);
        for (int i = 0; i < cap; i++) {
            assertThat(listed.get(i)).isEqualTo(provider(k, peer(i), i % 2 == 0 ? refreshed : first));
        }
        // The refreshed ones outlive the others' expiry; the newcomer gets a place once those expire.
        assertThat(s.removeExpired(first.plusNanos(1))).isEqualTo(cap / 2);
        assertThat(s.addProvider(provider(k, peer(cap), refreshed))).isTrue();
        if (persistent()) {
            RecordStore r = reopen(s, config);
            for (int i = cap + 1; i < cap + 1 + cap / 2; i++) {
                r.addProvider(provider(k, peer(i), first));
            }
            assertThat(r.providers(k)).hasSize(cap);
            assertThat(r.addProvider(provider(k, peer(2 * cap), first))).isFalse();
            Instant again = refreshed.plusSeconds(3600);
            assertThat(r.addProvider(provider(k, peer(0), again))).isTrue();
            assertThat(r.providers(k)).hasSize(cap).first().isEqualTo(provider(k, peer(0), again));
        }
    }
}
