package io.jkad.store.rocksdb;

import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Random;

/**
 * The writer that {@link RocksDbCrashIT} runs in a child JVM and kills: opens the store in the
 * directory given as first argument and loops puts and provider additions, printing one line per
 * write after the call returned ({@code R i} for {@link #record}, {@code P i} for {@link #provider},
 * {@code S i} for the node state entry {@link #STATE} set to {@link #state}{@code (i)}).
 * What it wrote is a function of the seed (second argument) and {@code i}, so the test can check it.
 */
final class CrashWriter {

    /** The first line, once the store is open. */
    static final String READY = "READY";

    /** Writes before the writer stops by itself, if nobody kills it. */
    static final int MAX_WRITES = 1_000_000;

    /** The node state entry the writer sets every {@link #STATE_EVERY} records. */
    static final String STATE = "crash.progress";

    /** Records between two node state puts. */
    static final int STATE_EVERY = 7;

    private CrashWriter() {}

    /** The value of {@link #STATE} put after record {@code i}: {@code i} as four bytes, then a recognisable tail. */
    static byte[] state(int i) {
        return java.nio.ByteBuffer.allocate(4 + 16).putInt(i).put("progress of run.".getBytes(StandardCharsets.US_ASCII))
                .array();
    }

    static StoreConfig config(Path directory) {
        return StoreConfig.defaults(localPeer()).withDataDirectory(directory)
                .withLimits(MAX_WRITES, 4096, 20, MAX_WRITES);
    }

    static PeerId localPeer() {
        return PeerId.random(new Random(0xc4a54));
    }

    /** Value record {@code i} of the run with {@code seed}. */
    static DhtRecord record(long seed, int i) {
        Random random = new Random(seed * 1_000_003L + i);
        byte[] value = new byte[random.nextInt(2048)];
        random.nextBytes(value);
        Optional<PeerId> publisher = random.nextBoolean() ? Optional.of(PeerId.random(random)) : Optional.empty();
        Optional<Instant> expires = random.nextBoolean()
                ? Optional.of(Instant.parse("2040-01-01T00:00:00Z").plusSeconds(i).plusNanos(random.nextInt(1_000_000_000)))
                : Optional.empty();
        return DhtRecord.of(RecordKey.ofUtf8("record-" + seed + "-" + i), value, publisher, expires);
    }

    /**
     * Provider record {@code i} of the run with {@code seed}: records {@code 10 n} to {@code 10 n + 9}
     * are ten providers of one key, the first of them the local peer.
     */
    static ProviderRecord provider(long seed, int i) {
        Random random = new Random(seed * 7_000_003L + i);
        PeerId provider = i % 10 == 0 ? localPeer() : PeerId.random(random);
        RecordKey key = RecordKey.of(("providers-" + seed + "-" + (i / 10)).getBytes(StandardCharsets.UTF_8));
        Optional<Instant> expires = random.nextBoolean()
                ? Optional.of(Instant.parse("2040-01-01T00:00:00Z").plusMillis(i)) : Optional.empty();
        return new ProviderRecord(key, provider, expires, List.of());
    }

    public static void main(String[] args) {
        Path directory = Path.of(args[0]);
        long seed = Long.parseLong(args[1]);
        PrintStream out = System.out;
        try (RecordStore store = new RocksDbStoreProvider().open(config(directory))) {
            out.println(READY);
            out.flush();
            for (int i = 0; i < MAX_WRITES; i++) {
                store.put(record(seed, i));
                out.println("R " + i);
                out.flush();
                if (i % STATE_EVERY == 3) {
                    store.putNodeState(STATE, state(i));
                    out.println("S " + i);
                    out.flush();
                }
                if (i % 2 == 0) {
                    int p = i / 2;
                    if (!store.addProvider(provider(seed, p))) {
                        throw new IllegalStateException("provider " + p + " ignored");
                    }
                    out.println("P " + p);
                    out.flush();
                }
            }
        }
    }
}
