package io.jkad.bench;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Predicate;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.style.Styler;

/**
 * The store benchmarks' results as a report: each store's result beside its raw engine's, their
 * ratio and the aim it is held to, and the expiry sweep against a full scan. Made from JMH's JSON
 * output (an array of results); writes Markdown, JSON (JMH's results with the computed figures)
 * and a PNG chart of the ratios.
 *
 * <p>Aims (issue 5): reads (get, get of a missing key, the providers of a key, a region of the
 * provided keys in keyspace order) at least 0.8 of the raw engine, writes (put, provider update)
 * at least 0.5 (a store writes the expiry index too), and a sweep of 0.1% of the records in at
 * most 5% of the time of the raw engine's full scan.
 *
 * <p>The provided-keys rows ({@link StoreProvidedBenchmark}) compare keys per second (its
 * {@code keys} counter, a JMH secondary metric) rather than calls per second.
 */
final class StoreReport {

    static final double READ_AIM = 0.8;
    static final double WRITE_AIM = 0.5;
    static final double SWEEP_AIM = 0.05;

    /** The JMH counter of keys read, per second ({@link StoreProvidedBenchmark.Keys}). */
    static final String KEYS_COUNTER = "keys";

    /** The operations in report order: benchmark method, how the report names it, its aim. */
    private static final List<Op> OPS = List.of(
            new Op("get", "get (hit)", READ_AIM),
            new Op("getMiss", "get (miss)", READ_AIM),
            new Op("put", "put", WRITE_AIM),
            new Op("providers", "providers (20)", READ_AIM),
            new Op("addProvider", "addProvider (update)", WRITE_AIM),
            new Op("providedRegion", "providedFrom, a region (keys/s)", READ_AIM));

    private record Op(String method, String label, double aim) {}

    /** One JMH result, with the parameters the store benchmarks use (absent ones null). */
    record Result(String benchmark, String method, String backend, String engine, Integer valueSize,
                  String expiredPercent, int threads, double score, double error, String unit) {}

    /** A store's result against its raw engine's, for one operation, value size and thread count. */
    record Ratio(String backend, String op, Integer valueSize, int threads, double store, double storeError,
                 double raw, double rawError, double aim) {

        double ratio() {
            return store / raw;
        }

        /** The ratio's error from the two results' errors (relative errors added in quadrature); NaN if unknown. */
        double ratioError() {
            return ratio() * Math.sqrt(sq(storeError / store) + sq(rawError / raw));
        }

        boolean met() {
            return ratio() >= aim;
        }

        /** Short of the aim by more than the error: the aim lies above the ratio's confidence interval. */
        boolean clearlyShort() {
            return !met() && !Double.isNaN(ratioError()) && ratio() + ratioError() < aim;
        }
    }

    /** The expiry figures of one backend, in milliseconds (null where not measured). */
    record Sweep(String backend, Timing sweepSmall, Timing sweepLarge, Timing rawScan, Timing storeScan) {

        /** The sweep of 0.1% as a fraction of the raw full scan. */
        Optional<Double> smallFraction() {
            return sweepSmall == null || rawScan == null ? Optional.empty()
                    : Optional.of(sweepSmall.ms / rawScan.ms);
        }

        Optional<Double> largeFraction() {
            return sweepLarge == null || rawScan == null ? Optional.empty()
                    : Optional.of(sweepLarge.ms / rawScan.ms);
        }
    }

    record Timing(double ms, double error) {}

    /** What the report says about how it was made: date, command, settings, machine. */
    record Context(String date, String command, Map<String, String> settings, Map<String, String> machine) {}

    private final List<Result> results;
    private final JsonArray jmh;
    private final List<Ratio> ratios;
    private final List<Sweep> sweeps;
    private final List<String> unpaired;

    private StoreReport(JsonArray jmh, List<Result> results) {
        this.jmh = jmh;
        this.results = List.copyOf(results);
        this.unpaired = new ArrayList<>();
        this.ratios = pair();
        this.sweeps = computeSweeps();
    }

    /**
     * The report of JMH's JSON results ({@code -rf json}).
     *
     * @throws IllegalArgumentException if the text is not a JSON array of JMH results
     */
    static StoreReport fromJmhJson(String json) {
        JsonElement root = JsonParser.parseString(json);
        if (!root.isJsonArray()) {
            throw new IllegalArgumentException("JMH results must be a JSON array, not " + kind(root));
        }
        JsonArray array = root.getAsJsonArray();
        List<Result> results = new ArrayList<>();
        for (JsonElement e : array) {
            results.add(result(e.getAsJsonObject()));
        }
        return new StoreReport(array, results);
    }

    private static String kind(JsonElement e) {
        return e.isJsonObject() ? "an object" : e.isJsonPrimitive() ? "a value" : "null";
    }

    private static Result result(JsonObject o) {
        String full = string(o, "benchmark");
        if (full == null) {
            throw new IllegalArgumentException("a JMH result without \"benchmark\": " + o);
        }
        String[] parts = full.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("not a JMH benchmark name: " + full);
        }
        String method = parts[parts.length - 1];
        String benchmark = parts[parts.length - 2] + "." + method;
        JsonObject params = o.has("params") ? o.getAsJsonObject("params") : new JsonObject();
        JsonObject metric = o.getAsJsonObject("primaryMetric");
        if (metric == null) {
            throw new IllegalArgumentException("a JMH result without \"primaryMetric\": " + full);
        }
        JsonObject secondary = o.getAsJsonObject("secondaryMetrics");
        if (secondary != null && secondary.has(KEYS_COUNTER)) {
            metric = secondary.getAsJsonObject(KEYS_COUNTER); // what a benchmark that counts keys is compared by
        }
        String size = string(params, "bytes");
        if (size == null) {
            size = string(params, "valueSize"); // the name in the first results
        }
        return new Result(benchmark, method, string(params, "backend"), string(params, "engine"),
                size == null ? null : Integer.valueOf(size), string(params, "expiredPercent"),
                o.has("threads") ? o.get("threads").getAsInt() : 1,
                number(metric, "score"), number(metric, "scoreError"), string(metric, "scoreUnit"));
    }

    private static String string(JsonObject o, String name) {
        JsonElement e = o.get(name);
        return e == null || e.isJsonNull() ? null : e.getAsString();
    }

    /** A number; JMH writes "NaN" (a string) for an error it could not compute. */
    private static double number(JsonObject o, String name) {
        JsonElement e = o.get(name);
        if (e == null || e.isJsonNull()) {
            return Double.NaN;
        }
        try {
            return e.getAsDouble();
        } catch (NumberFormatException ex) {
            return Double.NaN;
        }
    }

    List<Result> results() {
        return results;
    }

    List<Ratio> ratios() {
        return ratios;
    }

    List<Sweep> sweeps() {
        return sweeps;
    }

    /** Results with no counterpart (a store row without its raw row, or the reverse). */
    List<String> unpaired() {
        return List.copyOf(unpaired);
    }

    // ------------------------------------------------------------------ computing

    private List<Ratio> pair() {
        List<Ratio> out = new ArrayList<>();
        for (Result store : results) {
            if (!"store".equals(store.engine) || !isThroughputBenchmark(store)) {
                continue;
            }
            Optional<Result> raw = results.stream().filter(r -> "raw".equals(r.engine)
                    && r.benchmark.equals(store.benchmark) && Objects.equals(r.backend, store.backend)
                    && Objects.equals(r.valueSize, store.valueSize) && r.threads == store.threads).findFirst();
            if (raw.isEmpty()) {
                unpaired.add(describe(store) + ": no raw result");
                continue;
            }
            Op op = op(store.method);
            out.add(new Ratio(label(store.backend), op.label, store.valueSize, store.threads, store.score,
                    store.error, raw.get().score, raw.get().error, op.aim));
        }
        for (Result raw : results) {
            if ("raw".equals(raw.engine) && isThroughputBenchmark(raw) && results.stream().noneMatch(r ->
                    "store".equals(r.engine) && r.benchmark.equals(raw.benchmark)
                            && Objects.equals(r.backend, raw.backend) && Objects.equals(r.valueSize, raw.valueSize)
                            && r.threads == raw.threads)) {
                unpaired.add(describe(raw) + ": no store result");
            }
        }
        out.sort(Comparator.comparingInt((Ratio r) -> backendOrder(r.backend))
                .thenComparingInt(r -> opOrder(r.op))
                .thenComparingInt(r -> r.valueSize == null ? 0 : r.valueSize)
                .thenComparingInt(r -> r.threads));
        return List.copyOf(out);
    }

    private static boolean isThroughputBenchmark(Result r) {
        return r.benchmark.startsWith("StoreRecordBenchmark.") || r.benchmark.startsWith("StoreProviderBenchmark.")
                || r.benchmark.startsWith("StoreProvidedBenchmark.");
    }

    private static String describe(Result r) {
        return r.benchmark + " backend=" + r.backend + " engine=" + r.engine
                + (r.valueSize != null ? " valueSize=" + r.valueSize : "") + " threads=" + r.threads;
    }

    private static Op op(String method) {
        return OPS.stream().filter(o -> o.method.equals(method)).findFirst()
                .orElse(new Op(method, method, READ_AIM));
    }

    private static int opOrder(String label) {
        for (int i = 0; i < OPS.size(); i++) {
            if (OPS.get(i).label.equals(label)) {
                return i;
            }
        }
        return OPS.size();
    }

    private static String label(String backendParam) {
        try {
            return Backend.of(backendParam).label;
        } catch (IllegalArgumentException e) {
            return backendParam;
        }
    }

    private static int backendOrder(String label) {
        for (Backend b : Backend.values()) {
            if (b.label.equals(label)) {
                return b.ordinal();
            }
        }
        return Backend.values().length;
    }

    private List<Sweep> computeSweeps() {
        List<Sweep> out = new ArrayList<>();
        List<String> backends = results.stream()
                .filter(r -> r.benchmark.startsWith("StoreSweepBenchmark.") || r.benchmark.startsWith("StoreScanBenchmark."))
                .map(Result::backend).distinct()
                .sorted(Comparator.comparingInt(b -> backendOrder(label(b)))).toList();
        for (String b : backends) {
            out.add(new Sweep(label(b),
                    timing(r -> r.benchmark.equals("StoreSweepBenchmark.removeExpired") && b.equals(r.backend)
                            && "0.1".equals(r.expiredPercent)),
                    timing(r -> r.benchmark.equals("StoreSweepBenchmark.removeExpired") && b.equals(r.backend)
                            && "10".equals(r.expiredPercent)),
                    timing(r -> r.benchmark.equals("StoreScanBenchmark.fullScan") && b.equals(r.backend)
                            && "raw".equals(r.engine)),
                    timing(r -> r.benchmark.equals("StoreScanBenchmark.fullScan") && b.equals(r.backend)
                            && "store".equals(r.engine))));
        }
        return List.copyOf(out);
    }

    private Timing timing(Predicate<Result> which) {
        return results.stream().filter(which).findFirst()
                .map(r -> new Timing(toMillis(r.score, r.unit), toMillis(r.error, r.unit))).orElse(null);
    }

    /** A SingleShotTime score in its unit (JMH writes e.g. "ms/op") in milliseconds. */
    static double toMillis(double value, String unit) {
        String u = unit == null ? "ms/op" : unit;
        if (u.startsWith("ns/")) {
            return value / 1e6;
        }
        if (u.startsWith("us/")) {
            return value / 1e3;
        }
        if (u.startsWith("ms/")) {
            return value;
        }
        if (u.startsWith("s/")) {
            return value * 1e3;
        }
        throw new IllegalArgumentException("not a time per operation: " + unit);
    }

    private static double sq(double x) {
        return x * x;
    }

    /** The report as Markdown ({@link StoreReportMarkdown}). */
    String markdown(Context context) {
        return StoreReportMarkdown.render(this, context);
    }

    // ------------------------------------------------------------------ JSON

    /** JMH's results as they were, with the context and the computed ratios and sweep figures. */
    String json(Context context) {
        JsonObject root = new JsonObject();
        root.addProperty("date", context.date());
        root.addProperty("command", context.command());
        root.add("settings", map(context.settings()));
        root.add("machine", map(context.machine()));
        JsonObject aims = new JsonObject();
        aims.addProperty("read", READ_AIM);
        aims.addProperty("write", WRITE_AIM);
        aims.addProperty("sweepOfScan", SWEEP_AIM);
        root.add("aims", aims);
        JsonArray rs = new JsonArray();
        for (Ratio r : ratios) {
            JsonObject o = new JsonObject();
            o.addProperty("store", r.backend);
            o.addProperty("op", r.op);
            if (r.valueSize != null) {
                o.addProperty("valueSize", r.valueSize);
            }
            o.addProperty("threads", r.threads);
            addNumber(o, "opsPerSecond", r.store);
            addNumber(o, "opsPerSecondError", r.storeError);
            addNumber(o, "rawOpsPerSecond", r.raw);
            addNumber(o, "rawOpsPerSecondError", r.rawError);
            addNumber(o, "ratio", r.ratio());
            addNumber(o, "ratioError", r.ratioError());
            o.addProperty("aim", r.aim);
            o.addProperty("met", r.met());
            o.addProperty("shortByMoreThanTheError", r.clearlyShort());
            rs.add(o);
        }
        root.add("ratios", rs);
        JsonArray ss = new JsonArray();
        for (Sweep s : sweeps) {
            JsonObject o = new JsonObject();
            o.addProperty("store", s.backend);
            timing(o, "sweep0_1PercentMs", s.sweepSmall);
            timing(o, "sweep10PercentMs", s.sweepLarge);
            timing(o, "rawFullScanMs", s.rawScan);
            timing(o, "storeFullScanMs", s.storeScan);
            s.smallFraction().ifPresent(f -> addNumber(o, "sweep0_1PercentOfRawScan", f));
            s.largeFraction().ifPresent(f -> addNumber(o, "sweep10PercentOfRawScan", f));
            s.smallFraction().ifPresent(f -> o.addProperty("met", f <= SWEEP_AIM));
            ss.add(o);
        }
        root.add("sweeps", ss);
        JsonArray un = new JsonArray();
        unpaired.forEach(un::add);
        root.add("unpaired", un);
        root.add("jmh", jmh);
        Gson gson = new GsonBuilder().setPrettyPrinting().serializeSpecialFloatingPointValues().create();
        return gson.toJson(root) + "\n";
    }

    private static void timing(JsonObject o, String name, Timing t) {
        if (t != null) {
            addNumber(o, name, t.ms);
            addNumber(o, name + "Error", t.error);
        }
    }

    private static void addNumber(JsonObject o, String name, double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            o.addProperty(name, "NaN");
        } else {
            o.addProperty(name, v);
        }
    }

    private static JsonObject map(Map<String, String> m) {
        JsonObject o = new JsonObject();
        m.forEach(o::addProperty);
        return o;
    }

    // ------------------------------------------------------------------ chart

    /** A bar chart of the ratios: one group of bars per operation, value size and thread count, one bar per store. */
    void chart(Path png, String title) throws IOException {
        Map<String, Map<String, Double>> byBackend = new LinkedHashMap<>();
        List<String> categories = new ArrayList<>();
        for (Ratio r : ratios) {
            String category = r.op.replace(" (update)", "").replace(" (20)", "").replace(", a region (keys/s)", " region")
                    + (r.valueSize == null ? "" : " " + StoreReportMarkdown.bytes(r.valueSize)) + " " + r.threads + "t";
            if (!categories.contains(category)) {
                categories.add(category);
            }
            byBackend.computeIfAbsent(r.backend, b -> new LinkedHashMap<>()).put(category, r.ratio());
        }
        CategoryChart chart = new CategoryChartBuilder().width(1600).height(700).title(title)
                .xAxisTitle("operation, value size, threads").yAxisTitle("store / raw engine").build();
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setXAxisLabelRotation(35);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setChartBackgroundColor(java.awt.Color.WHITE);
        chart.getStyler().setOverlapped(false);
        if (categories.isEmpty()) {
            categories.add("(none)");
            byBackend.put("(no results)", Map.of("(none)", 0.0));
        }
        for (Map.Entry<String, Map<String, Double>> e : byBackend.entrySet()) {
            List<Double> ys = new ArrayList<>();
            for (String c : categories) {
                ys.add(e.getValue().getOrDefault(c, 0.0));
            }
            chart.addSeries(e.getKey(), categories, ys);
        }
        List<Double> readAim = new ArrayList<>();
        for (String c : categories) {
            readAim.add(c.startsWith("put") || c.startsWith("addProvider") ? WRITE_AIM : READ_AIM);
        }
        CategorySeries aim = chart.addSeries("aim", categories, readAim);
        aim.setChartCategorySeriesRenderStyle(CategorySeries.CategorySeriesRenderStyle.Scatter);
        aim.setMarkerColor(java.awt.Color.BLACK);
        aim.setMarker(org.knowm.xchart.style.markers.SeriesMarkers.DIAMOND);
        Files.createDirectories(png.toAbsolutePath().getParent());
        BitmapEncoder.saveBitmap(chart, png.toString(), BitmapEncoder.BitmapFormat.PNG);
    }

    /** Writes {@code <base>.md}, {@code <base>.json} and {@code <base>.png}. */
    void write(Path base, Context context) throws IOException {
        Files.createDirectories(base.toAbsolutePath().getParent());
        Files.writeString(Path.of(base + ".md"), markdown(context), StandardCharsets.UTF_8);
        Files.writeString(Path.of(base + ".json"), json(context), StandardCharsets.UTF_8);
        chart(Path.of(base + ".png"), "jkad stores / raw engines, " + context.date());
    }
}
