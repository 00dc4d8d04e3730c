package io.jkad.bench;

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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Value records: get of a stored key, get of a missing key, put (a stored key again, with a new
 * expiry, as a republish does) on a data set of {@value BenchEnv#DEFAULT_RECORDS} records with
 * keys of 32–48 bytes, for each backend, through the store ({@code engine=store}) and through its
 * raw engine on the same data ({@code engine=raw}). Keys are drawn uniformly at random.
 *
 * <p>Run through {@link StoreBenchReport}, which passes the data folder and the PostgreSQL server
 * to the forks and computes the ratios; alone:
 * {@code java -jar bench/target/benchmarks.jar StoreRecordBenchmark -p backend=memory,rocksdb}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class StoreRecordBenchmark {

    @Param({"memory", "rocksdb", "h2", "postgresql"})
    public String backend;

    /**
     * Value size in bytes. (JMH varies the parameter whose name sorts last fastest: {@code engine},
     * so that the store's fork and its raw engine's run one after the other, the machine's load
     * drifting as little as possible between them.)
     */
    @Param({"256", "4096"})
    public int bytes;

    @Param({"store", "raw"})
    public String engine;

    private Engine target;
    private int n;

    @Setup(Level.Trial)
    public void open() {
        DataSet set = DataSet.records(Backend.of(backend), bytes);
        n = set.size();
        target = Engines.records(set, Engines.raw(engine), new BenchSets.Records(bytes, n));
    }

    @TearDown(Level.Trial)
    public void close() {
        target.close();
    }

    @Benchmark
    public Object get(BenchCursor c) {
        return target.get(c.next(n));
    }

    @Benchmark
    public Object getMiss(BenchCursor c) {
        return target.getMiss(c.next(n));
    }

    @Benchmark
    public void put(BenchCursor c) {
        target.put(c.next(n), c.nextExpiry());
    }
}
