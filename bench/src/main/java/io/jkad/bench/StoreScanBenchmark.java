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
 * The sweep's baseline: a full scan of the sweep data set's records, each read whole and its
 * expiry compared with {@code now} (what finding the expired records costs without an expiry
 * index), by the raw engine ({@code engine=raw}) and through the store's {@code records()}
 * ({@code engine=store}). Single shot: one scan per iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Threads(1)
@Warmup(iterations = 2)
@Measurement(iterations = 5)
public class StoreScanBenchmark {

    @Param({"memory", "rocksdb", "h2", "postgresql"})
    public String backend;

    @Param({"store", "raw"})
    public String engine;

    private Engine target;
    private Instant now;
    private int expired;
    private long found;

    @Setup(Level.Trial)
    public void open() {
        DataSet set = DataSet.sweep(Backend.of(backend));
        expired = Math.max(1, set.size() / 1000);
        now = BenchSets.Sweep.sweepInstant(expired);
        target = Engines.sweep(set, Engines.raw(engine), new BenchSets.Sweep(set.size()));
    }

    @Benchmark
    public long fullScan() {
        found = target.fullScan(now);
        return found;
    }

    @TearDown(Level.Iteration)
    public void check() {
        if (found != expired) {
            throw new IllegalStateException("the scan found " + found + " expired records; " + expired + " had expired");
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        target.close();
    }
}
