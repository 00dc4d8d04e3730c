package io.jkad.bench;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.SplittableRandom;

/**
 * The data of the store benchmarks, made the same way in every JVM (every JMH fork) from fixed
 * seeds, so that the store, its raw engine and the fork that built a persistent data set all mean
 * the same records by "record {@code i}".
 *
 * <ul>
 *   <li>Keys: 32 to 48 random bytes (uniform length), {@link #keys(long, int)}; the keys of
 *       misses come from another seed.
 *   <li>Values: {@value #VALUE_POOL} random values of the chosen size; record {@code i} has value
 *       {@code i mod} {@value #VALUE_POOL} (the stores copy values, so sharing them here only saves
 *       the benchmark's own memory). Random bytes: compression gains nothing on them.
 *   <li>Publishers and providers: peer ids with the shape of Ed25519 ones, from a pool of
 *       {@value #PEER_POOL}; every provider has two addresses.
 *   <li>Instants: from {@link #BASE} (2030-01-01), far from the benchmark's real clock (stores
 *       take time as a parameter).
 * </ul>
 */
final class BenchData {

    /** The start of the benchmarks' time: 2030-01-01T00:00:00Z. */
    static final Instant BASE = Instant.parse("2030-01-01T00:00:00Z");
    /** Record expiry in the record and provider data sets: far after {@link #BASE}, never swept. */
    static final Instant FAR = BASE.plus(Duration.ofDays(365));

    static final int VALUE_POOL = 1024;
    static final int PEER_POOL = 1024;
    static final int MIN_KEY_BYTES = 32;
    static final int MAX_KEY_BYTES = 48;

    static final long RECORD_KEY_SEED = 0x5EED_0001L;
    static final long MISS_KEY_SEED = 0x5EED_0002L;
    static final long PROVIDER_KEY_SEED = 0x5EED_0003L;
    static final long SWEEP_KEY_SEED = 0x5EED_0004L;
    static final long PROVIDED_KEY_SEED = 0x5EED_0007L;
    private static final long VALUE_SEED = 0x5EED_0005L;
    private static final long PEER_SEED = 0x5EED_0006L;

    private static final PeerId[] PEERS = peers();
    private static final List<List<Multiaddr>> ADDRESSES = addresses();
    private static final PeerId LOCAL = localPeer();

    private BenchData() {}

    /** {@code n} keys of {@value #MIN_KEY_BYTES} to {@value #MAX_KEY_BYTES} bytes from {@code seed}. */
    static byte[][] keys(long seed, int n) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[][] keys = new byte[n][];
        for (int i = 0; i < n; i++) {
            byte[] k = new byte[MIN_KEY_BYTES + random.nextInt(MAX_KEY_BYTES - MIN_KEY_BYTES + 1)];
            random.nextBytes(k);
            keys[i] = k;
        }
        return keys;
    }

    static RecordKey[] recordKeys(byte[][] keys) {
        RecordKey[] out = new RecordKey[keys.length];
        for (int i = 0; i < keys.length; i++) {
            out[i] = RecordKey.of(keys[i]);
        }
        return out;
    }

    /** The {@value #VALUE_POOL} values of {@code size} bytes. */
    static byte[][] values(int size) {
        SplittableRandom random = new SplittableRandom(VALUE_SEED ^ size);
        byte[][] values = new byte[VALUE_POOL][size];
        for (byte[] v : values) {
            random.nextBytes(v);
        }
        return values;
    }

    /** Peer {@code i} of the pool (any {@code i >= 0}). */
    static PeerId peer(int i) {
        return PEERS[i % PEER_POOL];
    }

    /** The peer that opens the stores (the "local" peer): none of the pool. */
    static PeerId localPeer() {
        return PeerId.random(new Random(PEER_SEED + 1));
    }

    /** Record {@code i} of a data set: key {@code keys[i]}, value {@code i mod pool}, a publisher, {@code expires}. */
    static DhtRecord record(RecordKey key, int i, byte[][] values, Instant expires) {
        return DhtRecord.of(key, values[i % values.length], Optional.of(peer(i)), Optional.of(expires));
    }

    /**
     * The {@code j}-th provider ({@code 0 <= j < 20}) of provider key {@code k}: 20 distinct peers
     * of the pool per key, different keys having different (overlapping) sets.
     */
    static int providerPeer(int k, int j) {
        return (k * 7 + j * 13) % PEER_POOL;
    }

    static ProviderRecord provider(RecordKey key, int k, int j, Instant expires) {
        int p = providerPeer(k, j);
        return new ProviderRecord(key, peer(p), Optional.of(expires), ADDRESSES.get(p));
    }

    /** The local peer's provider record of {@code key}: expiring at {@code expires}, with two addresses like every provider. */
    static ProviderRecord localProvider(RecordKey key, Instant expires) {
        return new ProviderRecord(key, LOCAL, Optional.of(expires), ADDRESSES.get(0));
    }

    private static PeerId[] peers() {
        Random random = new Random(PEER_SEED);
        PeerId[] peers = new PeerId[PEER_POOL];
        for (int i = 0; i < PEER_POOL; i++) {
            peers[i] = PeerId.random(random);
        }
        return peers;
    }

    /** Two addresses per peer: an IPv4 and an IPv6 TCP address. */
    private static List<List<Multiaddr>> addresses() {
        Multiaddr[][] out = new Multiaddr[PEER_POOL][];
        for (int i = 0; i < PEER_POOL; i++) {
            out[i] = new Multiaddr[] {
                Multiaddr.parse("/ip4/198.51." + (i >> 8) + "." + (i & 0xFF) + "/tcp/4001"),
                Multiaddr.parse("/ip6/2001:db8::" + Integer.toHexString(i + 1) + "/tcp/4001")};
        }
        return java.util.Arrays.stream(out).map(List::of).toList();
    }
}
