package io.jkad.bench;

import io.jkad.bench.StoreReport.Context;
import io.jkad.bench.StoreReport.Ratio;
import io.jkad.bench.StoreReport.Sweep;
import io.jkad.bench.StoreReport.Timing;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The Markdown of a {@link StoreReport}: the context, each store's throughput beside its raw
 * engine's with the ratio and its aim, the expiry sweep against a full scan, and what each raw
 * engine does; and the number formats the report's other outputs share.
 */
final class StoreReportMarkdown {

    private StoreReportMarkdown() {}

    static String render(StoreReport report, Context context) {
        StringBuilder md = new StringBuilder();
        md.append("# Store benchmarks, ").append(context.date()).append("\n\n");
        md.append("Each store opened through `RecordStores.open(name, config)` against its raw engine on the same data")
                .append(" and schema, in the same JMH run (issue 5). Produced by:\n\n```\n")
                .append(context.command()).append("\n```\n\n");
        if (!context.machine().isEmpty()) {
            md.append("Machine: ");
            md.append(String.join(", ", context.machine().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).toList())).append(".\n\n");
        }
        if (!context.settings().isEmpty()) {
            md.append("Settings: ");
            md.append(String.join(", ", context.settings().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).toList())).append(".\n\n");
        }
        md.append("## Throughput against the raw engine\n\n");
        md.append("Aims: reads ≥ ").append(StoreReport.READ_AIM).append("× the raw engine, writes ≥ ").append(StoreReport.WRITE_AIM)
                .append("× (the store also writes its expiry index). ± is JMH's 99.9% confidence interval.")
                .append(" The providedFrom rows count keys per second, not calls: each call reads one region of the")
                .append(" keyspace (a random one: the ids with a given prefix, 7 bits by default) of the local peer's")
                .append(" provided keys, in keyspace order, as a reprovide sweep does.\n\n");
        md.append("| store | op | value size | threads | ops/s ± error | raw ops/s | ratio | aim |\n");
        md.append("|---|---|---:|---:|---:|---:|---:|---|\n");
        for (Ratio r : report.ratios()) {
            md.append("| ").append(r.backend()).append(" | ").append(r.op()).append(" | ")
                    .append(r.valueSize() == null ? "—" : bytes(r.valueSize())).append(" | ").append(r.threads())
                    .append(" | ").append(ops(r.store())).append(" ± ").append(ops(r.storeError()))
                    .append(" | ").append(ops(r.raw())).append(" ± ").append(ops(r.rawError()))
                    .append(" | ").append(fixed(r.ratio(), 2))
                    .append(Double.isNaN(r.ratioError()) ? "" : " ± " + fixed(r.ratioError(), 2))
                    .append(" | ").append(r.met() ? "≥ " + r.aim() + " met"
                            : r.clearlyShort() ? "**< " + r.aim() + "**" : "< " + r.aim() + " (within error)")
                    .append(" |\n");
        }
        if (report.ratios().isEmpty()) {
            md.append("| (no throughput results) | | | | | | | |\n");
        }
        md.append("\n## Expiry sweep against a full scan\n\n");
        md.append("`removeExpired(now)` on a store whose records have expired in the given share, each sweep")
                .append(" one single-shot measurement (the swept records are put back between them); the full scan")
                .append(" reads every record whole and compares its expiry (raw engine; and through the store's")
                .append(" `records()`). Aim: the 0.1% sweep in ≤ ").append(percent(StoreReport.SWEEP_AIM))
                .append(" of the raw full scan. Times in ms.\n\n");
        md.append("| store | sweep 0.1% | sweep 10% | full scan, raw | full scan, store | 0.1% sweep / raw scan | 10% sweep / raw scan | aim |\n");
        md.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (Sweep s : report.sweeps()) {
            Optional<Double> small = s.smallFraction();
            md.append("| ").append(s.backend()).append(" | ").append(ms(s.sweepSmall())).append(" | ")
                    .append(ms(s.sweepLarge())).append(" | ").append(ms(s.rawScan())).append(" | ")
                    .append(ms(s.storeScan())).append(" | ").append(small.map(StoreReportMarkdown::percent).orElse("—"))
                    .append(" | ").append(s.largeFraction().map(StoreReportMarkdown::percent).orElse("—")).append(" | ")
                    .append(small.map(f -> f <= StoreReport.SWEEP_AIM ? "≤ 5% met" : "**> 5%**").orElse("—")).append(" |\n");
        }
        if (report.sweeps().isEmpty()) {
            md.append("| (no sweep results) | | | | | | | |\n");
        }
        List<String> clearly = new ArrayList<>();
        List<String> withinError = new ArrayList<>();
        for (Ratio r : report.ratios()) {
            if (!r.met()) {
                String line = r.backend() + " " + r.op() + (r.valueSize() == null ? "" : " " + bytes(r.valueSize()))
                        + ", " + r.threads() + (r.threads() == 1 ? " thread" : " threads") + ": " + fixed(r.ratio(), 2)
                        + (Double.isNaN(r.ratioError()) ? "" : " ± " + fixed(r.ratioError(), 2)) + " (aim " + r.aim() + ")";
                (r.clearlyShort() ? clearly : withinError).add(line);
            }
        }
        for (Sweep s : report.sweeps()) {
            s.smallFraction().filter(f -> f > StoreReport.SWEEP_AIM).ifPresent(f ->
                    clearly.add(s.backend() + " sweep of 0.1%: " + percent(f) + " of a full scan (aim 5%)"));
        }
        md.append("\n## Short of the aims\n\n");
        md.append("By more than the error (the aim above the ratio's interval):\n\n");
        appendList(md, clearly);
        md.append("\nShort, but the aim within the error (noise on a shared machine can explain it):\n\n");
        appendList(md, withinError);
        if (!report.unpaired().isEmpty()) {
            md.append("\n## Results without a counterpart\n\n");
            for (String u : report.unpaired()) {
                md.append("- ").append(u).append('\n');
            }
        }
        md.append("\n## What the raw engines do\n\n")
                .append("- memory: `ConcurrentHashMap` of the same record objects; a key's providers an array replaced")
                .append(" whole on an update (found by peer). No lock, limits or expiry index.\n")
                .append("- rocksdb: rocksdbjni on the store's database (its column families, keys and value encoding),")
                .append(" with the store's default options. get: one `db.get`; put: one `db.put` of the encoded record")
                .append(" (no read of the old record, no expiry index entry); providers: one prefix scan returning raw")
                .append(" entries; provider update: one `db.put` under the entry's key, known beforehand.\n")
                .append("- jdbc: plain JDBC on the store's tables, one connection per thread, statements prepared once,")
                .append(" autocommit. get: the store's `SELECT`; put: the database's upsert (`MERGE` / `INSERT ... ON")
                .append(" CONFLICT`); providers: the store's `SELECT ... ORDER BY seq`; provider update: the store's `UPDATE`.\n")
                .append("- provided keys in keyspace order (providedFrom, one region): memory: a `ConcurrentSkipListMap` from")
                .append(" `id ‖ key` to the record, read from the region's start; rocksdb: an iterator on the store's")
                .append(" `provided_by_id` column family sought to the region's start, raw entries not decoded; jdbc: one")
                .append(" `SELECT` of the local peer's rows between the region's start and end in the order of the store's")
                .append(" keyspace index (the store's `providedFrom` has only a start: H2 reads it in pages, PostgreSQL through")
                .append(" a cursor in a read transaction).\n");
        return md.toString();
    }

    private static void appendList(StringBuilder md, List<String> lines) {
        if (lines.isEmpty()) {
            md.append("None.\n");
        }
        for (String line : lines) {
            md.append("- ").append(line).append('\n');
        }
    }

    static String bytes(int size) {
        return size % 1024 == 0 ? size / 1024 + " KiB" : size + " B";
    }

    /** Operations per second, rounded to three significant figures, with thousands separators. */
    static String ops(double v) {
        if (Double.isNaN(v)) {
            return "?";
        }
        if (v == 0) {
            return "0";
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(Math.abs(v))) - 2);
        double rounded = magnitude >= 1 ? Math.round(v / magnitude) * magnitude : v;
        return magnitude >= 1 ? String.format(Locale.ROOT, "%,.0f", rounded) : String.format(Locale.ROOT, "%.3g", v);
    }

    private static String fixed(double v, int decimals) {
        return Double.isNaN(v) ? "?" : String.format(Locale.ROOT, "%." + decimals + "f", v);
    }

    private static String percent(double fraction) {
        return fraction < 0.001 ? String.format(Locale.ROOT, "%.3f%%", fraction * 100)
                : fraction < 0.1 ? String.format(Locale.ROOT, "%.2f%%", fraction * 100)
                : String.format(Locale.ROOT, "%.0f%%", fraction * 100);
    }

    private static String ms(Timing t) {
        if (t == null) {
            return "—";
        }
        return millis(t.ms()) + (Double.isNaN(t.error()) ? "" : " ± " + millis(t.error()));
    }

    private static String millis(double v) {
        return v >= 100 ? String.format(Locale.ROOT, "%,.0f", v)
                : v >= 1 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.3f", v);
    }
}
