package io.jkad.bench;

import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The expiry sweep: {@code removeExpired(now)} on a store of {@value BenchEnv#DEFAULT_SWEEP_RECORDS}
 * records when {@code expiredPercent} of them have expired at {@code now} (scattered over the key
 * space). Each measured call is one sweep (single shot); before each, the records the previous one
 * removed are put back, and every sweep must remove exactly the expired records. The baseline is
 * {@link StoreScanBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Threads(1)
@Warmup(iterations = 3)
@Measurement(iterations = 5)
public class StoreSweepBenchmark {

    @Param({"memory", "rocksdb", "h2", "postgresql"})
    public String backend;

    @Param({"0.1", "10"})
    public String expiredPercent;

    private DataSet set;
    private BenchSets.Sweep data;
    private StoreEngine store;
    private int expired;
    private Instant now;
    private long removed;

    @Setup(Level.Trial)
    public void open() {
        set = DataSet.sweep(Backend.of(backend));
        expired = (int) Math.round(set.size() * Double.parseDouble(expiredPercent) / 100);
        if (expired < 1 || expired > set.sweepRestoreCount()) {
            throw new IllegalArgumentException("expiredPercent must leave 1 to " + set.sweepRestoreCount()
                    + " of " + set.size() + " records expired: " + expiredPercent);
        }
        now = BenchSets.Sweep.sweepInstant(expired);
        data = new BenchSets.Sweep(set.size());
        store = (StoreEngine) Engines.sweep(set, false, data);
        set.markDirty(true);
    }

    @Setup(Level.Iteration)
    public void putBack() {
        set.restoreSweep(store.store(), data, expired);
        removed = -1;
    }

    @Benchmark
    public long removeExpired() {
        removed = store.removeExpired(now);
        return removed;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (removed != expired) {
            throw new IllegalStateException("the sweep removed " + removed + " records; " + expired + " had expired");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        set.restoreSweep(store.store(), data, expired);
        store.close();
        set.markDirty(false);
    }
}
