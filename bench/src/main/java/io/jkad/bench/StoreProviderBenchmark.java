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
 * Provider records on a data set of {@value BenchEnv#DEFAULT_PROVIDER_KEYS} keys with
 * {@value BenchEnv#PROVIDERS_PER_KEY} providers each (two addresses per provider):
 * {@code providers} reads the 20 providers of a key; {@code addProvider} announces one of a key's
 * providers again with a new expiry (the provider is listed: the store updates it in place, as
 * when a provider republishes), through the store and through its raw engine.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Fork(value = 1, jvmArgsAppend = "-Xmx3g")
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class StoreProviderBenchmark {

    @Param({"memory", "rocksdb", "h2", "postgresql"})
    public String backend;

    @Param({"store", "raw"})
    public String engine;

    private Engine target;
    private int keys;

    @Setup(Level.Trial)
    public void open() {
        DataSet set = DataSet.providers(Backend.of(backend));
        keys = set.size();
        target = Engines.providers(set, Engines.raw(engine), new BenchSets.Providers(keys));
    }

    @TearDown(Level.Trial)
    public void close() {
        target.close();
    }

    @Benchmark
    public Object providers(BenchCursor c) {
        return target.providers(c.next(keys));
    }

    @Benchmark
    public boolean addProvider(BenchCursor c) {
        return target.addProvider(c.next(keys), c.next(BenchEnv.PROVIDERS_PER_KEY), c.nextExpiry());
    }
}
