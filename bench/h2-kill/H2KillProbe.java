import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.RecordStoreProvider;
import io.jkad.record.StoreConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.ServiceLoader;

/**
 * Probes what the jdbc store on an H2 file keeps through a kill -9 (run by run.sh).
 *
 * <pre>
 *   write DIR PERIOD_MS      a node state entry "n" = i, every PERIOD_MS; prints "saved i" once acknowledged
 *   recs DIR PERIOD_MS       a provider record of key "r" + i, every PERIOD_MS; prints "saved i"
 *   read DIR / readrecs DIR  prints "saved i" for the last i found
 *   grow DIR SECONDS SLEEP_MS  provider updates of 1,000 keys for SECONDS; prints the file's size every 10 s
 * </pre>
 * The system property {@code h2} is appended to the store's default URL ({@code ;WRITE_DELAY=0}), e.g.
 * {@code -Dh2=;REUSE_SPACE=FALSE}; {@code after} is an SQL statement run on a second connection after
 * each write, e.g. {@code -Dafter=CHECKPOINT}.
 */
public final class H2KillProbe {
    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path dir = Path.of(args[1]).toAbsolutePath();
        PeerId self = PeerId.fromPublicKey(Ed25519KeyPair.fromSeed(new byte[32]).publicKey());
        byte[] seed = new byte[32];
        seed[0] = 1;
        PeerId other = PeerId.fromPublicKey(Ed25519KeyPair.fromSeed(seed).publicKey());
        String extra = System.getProperty("h2", "");
        Map<String, String> options = extra.isEmpty() ? Map.of()
                : Map.of("jdbc.url", "jdbc:h2:file:" + dir + "/records;WRITE_DELAY=0" + extra, "jdbc.user", "sa", "jdbc.password", "");
        RecordStoreProvider provider = ServiceLoader.load(RecordStoreProvider.class).stream()
                .map(ServiceLoader.Provider::get).filter(p -> p.name().equals("jdbc")).findFirst().orElseThrow();
        RecordStore store = provider.open(new StoreConfig(self, Optional.of(dir), 100_000, 65 * 1024, 1024, 20,
                100_000, options));
        switch (mode) {
            case "read" -> System.out.println("saved " + store.nodeState("n").map(String::new).orElse("none"));
            case "readrecs" -> {
                int n = 0;
                while (!store.providers(key("r" + n)).isEmpty()) {
                    n++;
                }
                System.out.println("saved " + (n - 1));
            }
            case "write", "recs" -> {
                long period = Long.parseLong(args[2]);
                String after = System.getProperty("after", "");
                java.sql.Connection sql = after.isEmpty() ? null : java.sql.DriverManager.getConnection(
                        "jdbc:h2:file:" + dir + "/records;WRITE_DELAY=0" + extra, "sa", "");
                for (int i = 0; ; i++) {
                    if (mode.equals("write")) {
                        store.putNodeState("n", Integer.toString(i).getBytes());
                    } else {
                        store.addProvider(record("r" + i, other));
                    }
                    if (sql != null) {
                        try (java.sql.Statement st = sql.createStatement()) {
                            st.execute(after);
                        }
                    }
                    System.out.println("saved " + i);
                    System.out.flush();
                    Thread.sleep(period);
                }
            }
            case "grow" -> {
                long end = System.nanoTime() + Long.parseLong(args[2]) * 1_000_000_000L;
                long pause = Long.parseLong(args[3]);
                long writes = 0;
                long shown = System.nanoTime();
                while (System.nanoTime() < end) {
                    store.addProvider(record("o" + (writes++ % 1000), other));
                    if (pause > 0) {
                        Thread.sleep(pause);
                    }
                    if (System.nanoTime() - shown > 10_000_000_000L) {
                        shown = System.nanoTime();
                        System.out.println(writes + " writes, file " + size(dir) + " KiB");
                    }
                }
                System.out.println(writes + " writes, file " + size(dir) + " KiB");
                store.close();
                System.out.println("closed: file " + size(dir) + " KiB");
            }
            default -> throw new IllegalArgumentException(mode);
        }
    }

    private static RecordKey key(String s) {
        return RecordKey.of(s.getBytes());
    }

    private static ProviderRecord record(String key, PeerId provider) {
        return new ProviderRecord(key(key), provider, Optional.of(Instant.now().plusSeconds(3600)), List.of());
    }

    private static long size(Path dir) throws java.io.IOException {
        return Files.size(dir.resolve("records.mv.db")) / 1024;
    }
}
