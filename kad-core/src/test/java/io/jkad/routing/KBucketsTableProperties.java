package io.jkad.routing;

import static io.jkad.routing.NodeStatus.CONNECTED;
import static io.jkad.routing.NodeStatus.DISCONNECTED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.IntRange;

/**
 * Property tests of the routing table: lookups against brute force over random tables, and
 * random operation sequences against {@link ModelTable} plus the bucket invariants.
 */
class KBucketsTableProperties {

    private static final Instant T0 = Instant.parse("2021-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    // ---------------------------------------------------------------- lookups against brute force

    @Property(tries = 150)
    void closestKeysAndCountNodesBetweenMatchBruteForce(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 30) int k,
            @ForAll @IntRange(min = 0, max = 400) int randomPeers,
            @ForAll @IntRange(min = 0, max = 120) int craftedPeers) {
        Random random = new Random(seed);
        Key<PeerId> local = Key.of(PeerId.random(random));
        KBucketsTable<PeerId, Integer> table = new KBucketsTable<>(local, k, TIMEOUT);
        List<Key<PeerId>> present = new ArrayList<>();
        List<Key<PeerId>> candidates = new ArrayList<>();
        for (int i = 0; i < randomPeers; i++) {
            candidates.add(Key.of(PeerId.random(random)));
        }
        for (int i = 0; i < craftedPeers; i++) {
            // Keys spread over all buckets, including the tiny low ones.
            int bucket = random.nextInt(256);
            candidates.add(Key.withDigest(PeerId.random(random), TestKeys.inBucket(local.bytes(), bucket, random)));
        }
        candidates.add(Key.of(local.preimage())); // the local key: must stay out
        for (Key<PeerId> key : candidates) {
            Entry<PeerId, Integer> e = table.entry(key, T0);
            if (e.kind() != Entry.Kind.ABSENT) {
                continue; // the local key, or a crafted duplicate in a tiny bucket
            }
            NodeStatus status = random.nextBoolean() ? CONNECTED : DISCONNECTED;
            if (e.insert(present.size(), status) instanceof InsertResult.Inserted<PeerId>) {
                present.add(key);
            }
        }
        assertThat(table.size()).isEqualTo(present.size());
        assertThat(present).doesNotContain(local);

        List<KeyBytes> targets = new ArrayList<>();
        targets.add(local.bytes());
        for (int i = 0; i < 8; i++) {
            targets.add(TestKeys.random(random));
        }
        if (!present.isEmpty()) {
            targets.add(present.get(random.nextInt(present.size())).bytes());
        }
        targets.add(TestKeys.inBucket(local.bytes(), random.nextInt(256), random));
        for (KeyBytes target : targets) {
            List<Key<PeerId>> expected = new ArrayList<>(present);
            expected.sort((a, b) -> a.distance(target).compareTo(b.distance(target)));
            assertThat(KBucketsTableTest.drain(table.closestKeys(target))).containsExactlyElementsOf(expected);
            assertThat(KBucketsTableTest.drain(table.closest(target)))
                    .extracting(v -> v.node().key()).containsExactlyElementsOf(expected);
            // A prefix costs a prefix.
            int n = Math.min(expected.size(), 1 + random.nextInt(25));
            Iterator<Key<PeerId>> it = table.closestKeys(target);
            List<Key<PeerId>> prefix = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                prefix.add(it.next());
            }
            assertThat(prefix).containsExactlyElementsOf(expected.subList(0, n));

            Distance self = local.distance(target);
            long between = present.stream().filter(p -> p.distance(target).compareTo(self) < 0).count();
            assertThat(table.countNodesBetween(target)).isEqualTo(between);
        }
    }

    // ---------------------------------------------------------------- operation sequences

    enum OpType { INSERT, UPDATE, REMOVE, SET_VALUE, ACCESS_ALL, ACCESS_BUCKET, CLOSEST, CLOSEST_NOW, TAKE, ADVANCE }

    record Op(OpType type, int key, NodeStatus status, int value, int seconds) {}

    @Provide
    Arbitrary<List<Op>> operations() {
        Arbitrary<OpType> types = Arbitraries.frequencyOf(
                Tuple.of(30, Arbitraries.just(OpType.INSERT)),
                Tuple.of(20, Arbitraries.just(OpType.UPDATE)),
                Tuple.of(8, Arbitraries.just(OpType.REMOVE)),
                Tuple.of(5, Arbitraries.just(OpType.SET_VALUE)),
                Tuple.of(4, Arbitraries.just(OpType.ACCESS_ALL)),
                Tuple.of(3, Arbitraries.just(OpType.ACCESS_BUCKET)),
                Tuple.of(4, Arbitraries.just(OpType.CLOSEST)),
                Tuple.of(4, Arbitraries.just(OpType.CLOSEST_NOW)),
                Tuple.of(4, Arbitraries.just(OpType.TAKE)),
                Tuple.of(15, Arbitraries.just(OpType.ADVANCE)));
        Arbitrary<Op> op = Combinators.combine(types, Arbitraries.integers().between(0, 1000),
                Arbitraries.of(NodeStatus.class), Arbitraries.integers().between(0, 1000),
                Arbitraries.of(0, 1, 29, 30, 59, 60, 61, 120)).as(Op::new);
        return op.list().ofMinSize(1).ofMaxSize(300);
    }

    /** Keys crowded into a few buckets (so that small buckets fill up), plus the local key. */
    private static List<Key<Integer>> keyPool(KeyBytes local, Random random) {
        List<Key<Integer>> pool = new ArrayList<>();
        Set<KeyBytes> seen = new HashSet<>();
        int[][] buckets = {{255, 7}, {254, 5}, {130, 4}, {64, 3}, {63, 2}, {2, 4}, {1, 2}, {0, 1}};
        for (int[] b : buckets) {
            for (int i = 0; i < b[1]; i++) {
                KeyBytes kb = TestKeys.inBucket(local, b[0], random);
                if (seen.add(kb)) {
                    pool.add(Key.withDigest(pool.size(), kb));
                }
            }
        }
        pool.add(Key.withDigest(-1, local));
        return pool;
    }

    @Property(tries = 300)
    void operationSequencesFollowTheModelAndKeepTheInvariants(@ForAll long seed,
            @ForAll @IntRange(min = 1, max = 4) int k,
            @ForAll("operations") List<Op> ops) {
        Random random = new Random(seed);
        KeyBytes localBytes = TestKeys.random(random);
        Key<Integer> local = Key.withDigest(-1, localBytes);
        List<Key<Integer>> pool = keyPool(localBytes, random);
        KBucketsTable<Integer, Integer> table = new KBucketsTable<>(local, k, TIMEOUT);
        ModelTable<Integer, Integer> model = new ModelTable<>(local, k, TIMEOUT);
        Instant now = T0;

        for (Op op : ops) {
            Key<Integer> key = pool.get(op.key() % pool.size());
            switch (op.type()) {
                case ADVANCE -> now = now.plusSeconds(op.seconds());
                case TAKE -> assertThat(drainApplied(table)).containsExactlyElementsOf(drainModel(model));
                case ACCESS_ALL -> {
                    List<KBucketView<Integer, Integer>> views = table.buckets(now);
                    model.applyAll(now);
                    assertSameBuckets(views, model);
                }
                case ACCESS_BUCKET -> {
                    Optional<KBucketView<Integer, Integer>> view = table.bucket(key, now);
                    int i = model.index(key);
                    if (i < 0) {
                        assertThat(view).isEmpty();
                    } else {
                        model.applyPending(i, now);
                        assertThat(view.orElseThrow().entries()).isEqualTo(model.buckets.get(i).entries());
                    }
                }
                case CLOSEST -> {
                    KeyBytes target = target(op, pool, localBytes);
                    assertThat(KBucketsTableTest.drain(table.closestKeys(target)))
                            .containsExactlyElementsOf(sortedKeys(model, target));
                    Distance self = localBytes.distance(target);
                    long between = model.allEntries().stream()
                            .filter(e -> e.node().key().distance(target).compareTo(self) < 0).count();
                    assertThat(table.countNodesBetween(target)).isEqualTo(between);
                }
                case CLOSEST_NOW -> {
                    KeyBytes target = target(op, pool, localBytes);
                    List<EntryView<Integer, Integer>> actual = KBucketsTableTest.drain(table.closest(target, now));
                    for (int i : model.bucketOrder(target)) {
                        model.applyPending(i, now);
                    }
                    List<EntryView<Integer, Integer>> expected = new ArrayList<>(model.allEntries());
                    expected.sort((a, b) -> a.node().key().distance(target).compareTo(b.node().key().distance(target)));
                    assertThat(actual).containsExactlyElementsOf(expected);
                }
                default -> entryOperation(table, model, key, op, now);
            }
            assertSameBuckets(table.peekBuckets(), model);
            assertInvariants(table, local);
        }
        assertThat(drainApplied(table)).containsExactlyElementsOf(drainModel(model));
    }

    private static void entryOperation(KBucketsTable<Integer, Integer> table, ModelTable<Integer, Integer> model,
            Key<Integer> key, Op op, Instant now) {
        Entry<Integer, Integer> e = table.entry(key, now);
        int i = model.index(key);
        if (i >= 0) {
            model.applyPending(i, now);
        }
        Entry.Kind kind = model.kind(key);
        assertThat(e.kind()).isEqualTo(kind);
        assertThat(e.view()).isEqualTo(model.view(key));
        assertThat(e.status()).isEqualTo(model.view(key).map(EntryView::status));
        assertThat(e.value()).isEqualTo(model.view(key).map(v -> v.node().value()));
        boolean live = kind == Entry.Kind.PRESENT || kind == Entry.Kind.PENDING;
        switch (op.type()) {
            case INSERT -> {
                if (kind == Entry.Kind.ABSENT) {
                    assertThat(e.insert(op.value(), op.status()))
                            .isEqualTo(model.insert(key, op.value(), op.status(), now));
                } else {
                    assertThatThrownBy(() -> e.insert(op.value(), op.status())).isInstanceOf(IllegalStateException.class);
                }
            }
            case UPDATE -> {
                if (live) {
                    e.update(op.status());
                    model.update(key, op.status());
                } else {
                    assertThatThrownBy(() -> e.update(op.status())).isInstanceOf(IllegalStateException.class);
                }
            }
            case REMOVE -> {
                if (live) {
                    assertThat(e.remove()).isEqualTo(model.remove(key));
                } else {
                    assertThatThrownBy(e::remove).isInstanceOf(IllegalStateException.class);
                }
            }
            case SET_VALUE -> {
                if (live) {
                    e.setValue(op.value());
                    model.setValue(key, op.value());
                } else {
                    assertThatThrownBy(() -> e.setValue(op.value())).isInstanceOf(IllegalStateException.class);
                }
            }
            default -> throw new AssertionError(op);
        }
        // The handle follows the table.
        assertThat(e.kind()).isEqualTo(model.kind(key));
    }

    private static KeyBytes target(Op op, List<Key<Integer>> pool, KeyBytes local) {
        return switch (op.value() % 3) {
            case 0 -> local;
            case 1 -> pool.get(op.key() % pool.size()).bytes();
            default -> TestKeys.random(new Random(op.value()));
        };
    }

    private static List<Key<Integer>> sortedKeys(ModelTable<Integer, Integer> model, KeyBytes target) {
        List<Key<Integer>> keys = new ArrayList<>();
        model.allEntries().forEach(e -> keys.add(e.node().key()));
        keys.sort((a, b) -> a.distance(target).compareTo(b.distance(target)));
        return keys;
    }

    private static List<AppliedPending<Integer, Integer>> drainApplied(KBucketsTable<Integer, Integer> table) {
        List<AppliedPending<Integer, Integer>> out = new ArrayList<>();
        for (Optional<AppliedPending<Integer, Integer>> a = table.takeAppliedPending(); a.isPresent();
                a = table.takeAppliedPending()) {
            out.add(a.get());
        }
        return out;
    }

    private static List<AppliedPending<Integer, Integer>> drainModel(ModelTable<Integer, Integer> model) {
        List<AppliedPending<Integer, Integer>> out = new ArrayList<>(model.applied);
        model.applied.clear();
        return out;
    }

    private static void assertSameBuckets(List<KBucketView<Integer, Integer>> views, ModelTable<Integer, Integer> model) {
        assertThat(views).hasSize(256);
        for (int i = 0; i < 256; i++) {
            ModelTable.Bucket<Integer, Integer> b = model.buckets.get(i);
            KBucketView<Integer, Integer> v = views.get(i);
            assertThat(v.index()).isEqualTo(i);
            assertThat(v.entries()).as("bucket %d", i).isEqualTo(b.entries());
            Optional<KBucketView.PendingView<Integer, Integer>> pending = b.pending == null ? Optional.empty()
                    : Optional.of(new KBucketView.PendingView<>(new EntryView<>(b.pending, b.pendingStatus), b.replaceAt));
            assertThat(v.pending()).as("pending of bucket %d", i).isEqualTo(pending);
        }
    }

    /** What must hold of any table, whatever the model says. */
    static <K, V> void assertInvariants(KBucketsTable<K, V> table, Key<K> local) {
        List<KBucketView<K, V>> views = table.peekBuckets();
        Set<Key<K>> seen = new HashSet<>();
        int total = 0;
        for (KBucketView<K, V> v : views) {
            List<EntryView<K, V>> entries = v.entries();
            assertThat(entries.size()).isEqualTo(v.numEntries()).isLessThanOrEqualTo(table.k());
            assertThat(v.isEmpty()).isEqualTo(entries.isEmpty());
            boolean connectedSeen = false;
            for (EntryView<K, V> e : entries) {
                Key<K> key = e.node().key();
                assertThat(key).isNotEqualTo(local);
                assertThat(local.distance(key).bucketIndex()).isEqualTo(v.index());
                assertThat(v.contains(local.distance(key))).isTrue();
                assertThat(seen.add(key)).as("duplicate %s", key).isTrue();
                if (e.status() == CONNECTED) {
                    connectedSeen = true;
                } else {
                    assertThat(connectedSeen).as("disconnected after connected in bucket %d", v.index()).isFalse();
                }
            }
            v.pending().ifPresent(p -> {
                Key<K> key = p.entry().node().key();
                assertThat(key).isNotEqualTo(local);
                assertThat(local.distance(key).bucketIndex()).isEqualTo(v.index());
                assertThat(seen.add(key)).as("pending duplicate %s", key).isTrue();
            });
            total += entries.size();
        }
        assertThat(table.size()).isEqualTo(total);
    }
}
