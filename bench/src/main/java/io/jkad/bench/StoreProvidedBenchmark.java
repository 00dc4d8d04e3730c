package io.jkad.bench;

import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * The provided keys in keyspace order, as a reprovide sweep reads them: one region of the keyspace
 * (the ids with a prefix of {@code regionBits} bits; {@value BenchEnv#DEFAULT_PROVIDED_KEYS} keys
 * in 2^7 regions by default: some 230 keys each) per call, a random region each time, through the
 * store's {@code providedFrom} from the region's start ({@code engine=store}) or through the raw
 * engine's equivalent ordered read ({@code engine=raw}). The primary score is regions per second;
 * the {@code keys} counter, keys per second, is what the report compares.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class StoreProvidedBenchmark {

    @Param({"memory", "rocksdb", "h2", "postgresql"})
    public String backend;

    @Param({"store", "raw"})
    public String engine;

    @Param({"7"})
    public int regionBits;

    private Engine target;
    private byte[][] starts;
    private int[] counts;

    /** The keys read, a JMH counter: reported per second beside the regions per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Keys {
        public long keys;

        @Setup(Level.Iteration)
        public void reset() {
            keys = 0;
        }
    }

    @Setup(Level.Trial)
    public void open() {
        DataSet set = DataSet.provided(Backend.of(backend));
        BenchSets.Provided data = new BenchSets.Provided(set.size());
        starts = BenchSets.Provided.regionStarts(regionBits);
        counts = data.regionCounts(regionBits);
        target = Engines.provided(set, Engines.raw(engine), data);
        // one walk of every region first: each holds what the data set puts in it
        long all = 0;
        for (int r = 0; r < starts.length; r++) {
            long read = readRegion(r);
            if (read != counts[r]) {
                throw new IllegalStateException("region " + r + " gave " + read + " keys of " + counts[r]);
            }
            all += read;
        }
        if (all != data.size()) {
            throw new IllegalStateException("the walk read " + all + " keys of " + data.size());
        }
    }

    private long readRegion(int r) {
        return target.providedRegion(starts[r], r + 1 < starts.length ? starts[r + 1] : null, counts[r]);
    }

    @TearDown(Level.Trial)
    public void close() {
        target.close();
    }

    @Benchmark
    public long providedRegion(BenchCursor c, Keys k) {
        long read = readRegion(c.next(starts.length));
        k.keys += read;
        return read;
    }
}
