package io.jkad.store.jdbc;

import io.jkad.record.RecordStore;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * The child process of {@link JdbcH2CrashIT}: opens the default (H2 file) jdbc store in a data
 * directory and performs the writes of {@link CrashWorkload} one after another, printing the number
 * of each write on its own line once the store call has returned, until it is killed.
 *
 * <p>Arguments: the data directory, the seed.
 */
public final class CrashWriter {

    private CrashWriter() {}

    public static void main(String[] args) {
        Path dir = Path.of(args[0]);
        CrashWorkload workload = new CrashWorkload(Long.parseLong(args[1]));
        PrintStream out = System.out;
        try (RecordStore store = new JdbcStoreProvider().open(workload.config(dir))) {
            out.println("open");
            out.flush();
            for (int i = 0; i < Integer.MAX_VALUE; i++) {
                workload.op(i).applyTo(store);
                out.println(i);
                out.flush();
            }
        }
    }
}
