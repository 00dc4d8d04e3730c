package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.record.CloseableIterator;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Crash safety: a writer in a child JVM ({@link CrashWriter}) is killed with SIGKILL after a random
 * number of acknowledged writes; the store, reopened, holds every record and provider record whose
 * write had returned, the node state entry as last acknowledged (or as the put under way set it),
 * the local provided keys in {@code providedFrom} exactly as in {@code provided()}, and takes new
 * writes. With the default {@code rocksdb.sync=false}: the
 * write-ahead log is in the operating system's hands before a write returns.
 */
class RocksDbCrashIT {

    @TempDir
    Path tempDir;

    @ParameterizedTest
    @ValueSource(longs = {1, 2, 3, 4, 5})
    @Timeout(60)
    void everyAcknowledgedWriteSurvivesAKill(long seed) throws Exception {
        Random random = new Random(seed);
        int killAfter = 1 + random.nextInt(2500);
        Path directory = tempDir.resolve("db");
        Path stderr = tempDir.resolve("writer.err");
        Process writer = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m", "-cp", System.getProperty("java.class.path"), CrashWriter.class.getName(),
                directory.toString(), Long.toString(seed))
                .redirectError(stderr.toFile())
                .start();
        int records = -1;
        int providers = -1;
        int states = 0;
        int lastState = -1;
        boolean ready = false;
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(writer.getInputStream(), StandardCharsets.UTF_8))) {
            int acknowledged = 0;
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.equals(CrashWriter.READY)) {
                    ready = true;
                    continue;
                }
                int i = Integer.parseInt(line.substring(2));
                // acknowledgements come in order: each line says all before it of its kind were acknowledged
                if (line.startsWith("R ")) {
                    assertThat(i).isEqualTo(records + 1);
                    records = i;
                } else if (line.startsWith("S ")) {
                    assertThat(i).isEqualTo(lastState < 0 ? 3 : lastState + CrashWriter.STATE_EVERY);
                    lastState = i;
                    states++;
                } else {
                    assertThat(line).startsWith("P ");
                    assertThat(i).isEqualTo(providers + 1);
                    providers = i;
                }
                if (++acknowledged == killAfter) {
                    if (random.nextBoolean()) {
                        Thread.sleep(random.nextInt(20)); // kill mid-write rather than right after an ack
                    }
                    // SIGKILL on Linux. Through the ProcessHandle: Process.destroyForcibly() sends the same
                    // signal but also closes our end of the pipe, and the lines still in it were acknowledged.
                    writer.toHandle().destroyForcibly();
                }
                // lines already in the pipe when it died were acknowledged too: read them all
            }
        } finally {
            writer.destroyForcibly();
            assertThat(writer.waitFor(20, TimeUnit.SECONDS)).isTrue();
        }
        assertThat(ready).as("the writer started; its stderr: %s", Files.readString(stderr)).isTrue();
        assertThat(writer.exitValue()).as("killed, not exited; stderr: %s", Files.readString(stderr))
                .isEqualTo(137);
        assertThat(records + providers + 2 + states).isGreaterThanOrEqualTo(killAfter);

        try (RocksDbRecordStore store = (RocksDbRecordStore) new RocksDbStoreProvider().open(CrashWriter.config(directory))) {
            for (int i = 0; i <= records; i++) {
                DhtRecord expected = CrashWriter.record(seed, i);
                assertThat(store.get(expected.key())).as("acknowledged record %d of %d", i, records).contains(expected);
            }
            for (int i = 0; i <= providers; i++) {
                ProviderRecord expected = CrashWriter.provider(seed, i);
                assertThat(store.providers(expected.key())).as("acknowledged provider %d of %d", i, providers)
                        .contains(expected);
            }
            // at most the one write under way when it died is there beyond the acknowledged ones
            long stored;
            try (CloseableIterator<DhtRecord> it = store.records()) {
                stored = 0;
                while (it.hasNext()) {
                    it.next();
                    stored++;
                }
            }
            assertThat(stored).isBetween((long) records + 1, (long) records + 2);
            assertThat(store.counts().records()).isEqualTo(stored);
            // provider order within a key survives: first added first
            List<ProviderRecord> lastKey = store.providers(CrashWriter.provider(seed, Math.max(providers, 0)).key());
            List<ProviderRecord> expectedOrder = new ArrayList<>();
            for (int i = Math.max(providers, 0) / 10 * 10; i <= providers; i++) {
                expectedOrder.add(CrashWriter.provider(seed, i));
            }
            assertThat(lastKey).startsWith(expectedOrder.toArray(new ProviderRecord[0]));
            long providedKeys;
            try (CloseableIterator<ProviderRecord> it = store.provided()) {
                providedKeys = 0;
                while (it.hasNext()) {
                    assertThat(it.next().provider()).isEqualTo(CrashWriter.localPeer());
                    providedKeys++;
                }
            }
            assertThat(providedKeys).isBetween((long) (providers + 10) / 10, (long) (providers + 10) / 10 + 1);
            assertThat(store.counts().providerKeys()).isBetween(providedKeys, providedKeys + 1);
            // the keyspace index holds what provided() holds, in keyspace order
            List<ProviderRecord> provided = new ArrayList<>();
            try (CloseableIterator<ProviderRecord> it = store.provided()) {
                it.forEachRemaining(provided::add);
            }
            provided.sort(io.jkad.record.Keyspace.ORDER);
            List<ProviderRecord> inKeyspaceOrder = new ArrayList<>();
            try (CloseableIterator<ProviderRecord> it = store.providedFrom(new byte[io.jkad.record.Keyspace.ID_BYTES])) {
                it.forEachRemaining(inKeyspaceOrder::add);
            }
            assertThat(inKeyspaceOrder).isEqualTo(provided);
            // the node state entry: the last acknowledged value, or the one of the put under way
            java.util.Optional<byte[]> state = store.nodeState(CrashWriter.STATE);
            int acknowledged = lastState;
            int underWay = acknowledged < 0 ? 3 : acknowledged + CrashWriter.STATE_EVERY;
            if (acknowledged < 0) {
                state.ifPresent(v -> assertThat(v).isEqualTo(CrashWriter.state(underWay)));
            } else {
                assertThat(state).as("node state acknowledged at record %d", acknowledged).isPresent();
                assertThat(state.get()).satisfiesAnyOf(v -> assertThat(v).isEqualTo(CrashWriter.state(acknowledged)),
                        v -> assertThat(v).isEqualTo(CrashWriter.state(underWay)));
            }

            // the store takes new writes, and new providers go last
            DhtRecord fresh = DhtRecord.of(RecordKey.ofUtf8("after the crash"), new byte[] {1, 2, 3});
            store.put(fresh);
            assertThat(store.get(fresh.key())).contains(fresh);
            ProviderRecord next = new ProviderRecord(lastKey.isEmpty() ? fresh.key() : lastKey.get(0).key(),
                    io.jkad.identity.PeerId.random(new Random(-seed)), java.util.Optional.empty(), List.of());
            if (lastKey.size() < 20) {
                assertThat(store.addProvider(next)).isTrue();
                List<ProviderRecord> after = store.providers(next.key());
                assertThat(after.get(after.size() - 1)).isEqualTo(next);
            }
        }
        // and again after a clean close
        try (RecordStore store = new RocksDbStoreProvider().open(CrashWriter.config(directory))) {
            assertThat(store.get(RecordKey.ofUtf8("after the crash"))).isPresent();
        }
    }
}
