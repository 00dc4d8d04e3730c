package io.jkad.node;

import io.jkad.kademlia.Quorum;
import io.jkad.util.Cid;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The client commands about records and providers (those about the node and its network are in
 * {@link PeerCommands}), and what every client command shares ({@link Base}): each sends one
 * request to a running node's local API ({@code kad run}) and prints a readable result, or with {@code --json} exactly one JSON document (the API's answer, or
 * an error object of the same shape, {@code {"ok":false,"error":…,"message":…}}) and nothing else
 * on stdout. A failure is one line on stderr. Exit codes: 0 done; 1 the operation failed (not found,
 * quorum failed, timeout, refused by the store); 2 a usage or input error, found here or by the node;
 * 3 no node running at the API address.
 */
final class ClientCommands {

    static final int EXIT_FAILED = 1;
    static final int EXIT_NOT_RUNNING = 3;

    /**
     * The largest value {@code put} reads and sends (its base64 stays under the API's 8 MiB body
     * limit); the node's store refuses values over its own limit (64 KiB by default) with a clear error.
     */
    static final int MAX_VALUE_BYTES = 4 * 1024 * 1024;

    private ClientCommands() {}

    /**
     * What every client command shares: {@code --api}, {@code --json}, the output streams, the
     * error handling. {@code A} is the record of the command's answer ({@link ApiTypes}).
     */
    abstract static class Base<A> implements Callable<Integer> {
        private final Class<A> answerType;

        Base(Class<A> answerType) {
            this.answerType = answerType;
        }

        @Option(names = "--api", defaultValue = ApiClient.DEFAULT_API, paramLabel = "HOST:PORT",
                description = "The node's local API (default: ${DEFAULT-VALUE}, the default of 'kad run --api').")
        String api;

        @Option(names = "--api-token-file", paramLabel = "F",
                description = "The node's API token, for a node run with --api-token (default: api.token in the "
                        + "default data directory, when it exists).")
        Path apiTokenFile;

        @Option(names = "--json", description = "Print exactly one JSON document on stdout (the API's answer), "
                + "and nothing else.")
        boolean json;

        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        /** The command's name, as in {@code kad NAME}. */
        String name() {
            return spec.name();
        }

        /** Sends the request; returns the answer. */
        abstract ApiClient.Response request(ApiClient client) throws IOException;

        /** Prints the readable part of a successful answer. */
        abstract void printOk(PrintStream out, A answer) throws IOException;

        /** The JSON document {@code --json} prints for a successful answer: the answer itself by default. */
        Object jsonOk(A answer) {
            return answer;
        }

        @Override
        public Integer call() throws IOException {
            PrintStream out = System.out;
            PrintStream err = System.err;
            ApiClient client;
            try {
                client = new ApiClient(ApiClient.parseAddress(api), token());
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), "--api: " + e.getMessage());
            }
            ApiClient.Response r;
            try {
                r = request(client);
            } catch (IllegalArgumentException e) {
                throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
            } catch (ApiClient.NotRunningException e) {
                return unreachable(out, err, "not_running", e, EXIT_NOT_RUNNING);
            } catch (IOException e) {
                return unreachable(out, err, "io", e, EXIT_FAILED);
            }
            if (r.ok()) {
                A answer;
                try {
                    answer = r.as(answerType);
                } catch (IllegalArgumentException e) {
                    return unreachable(out, err, "bad_answer", new IOException("the node at " + client.where()
                            + " answered with " + e.getMessage(), e), EXIT_FAILED);
                }
                if (json) {
                    out.println(Json.write(jsonOk(answer)));
                } else {
                    printOk(out, answer);
                    printTrace(err, answer);
                }
                out.flush();
                return 0;
            }
            // a failure: the node's answer, an error answer of the API or of what stood in its way
            ApiTypes.Failure failure = failureOf(r);
            err.println("kad " + name() + ": " + String.valueOf(failure.error()).replace('_', ' ') + ": "
                    + failure.message());
            if (json) {
                out.println(r.json().isEmpty() ? Json.write(failure) : Json.write(r.json()));
            } else {
                A answer = r.json().isEmpty() ? null : r.as(answerType);
                if (answer != null) {
                    printFailure(out, answer);
                    printTrace(err, answer);
                }
            }
            out.flush();
            // the node found the input bad (400 bad_request, 413, 415): a usage or input error like ours
            return r.status() == 400 || r.status() == 413 || r.status() == 415 ? KadCommand.EXIT_USAGE : EXIT_FAILED;
        }

        /** The error code and message of a failed answer (one not from the API: {@code http_<status>} and its text). */
        private static ApiTypes.Failure failureOf(ApiClient.Response r) {
            ApiTypes.Failure f = r.json().isEmpty() ? null : r.as(ApiTypes.Failure.class);
            if (f == null || f.error() == null) {
                return new ApiTypes.Failure("http_" + r.status(), r.text().strip());
            }
            return f;
        }

        /** The token to send: from --api-token-file, else the default data directory's, if there is one. */
        private java.util.Optional<String> token() throws IOException {
            if (apiTokenFile != null) {
                if (!Files.isRegularFile(apiTokenFile)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--api-token-file " + apiTokenFile
                            + ": no such file");
                }
                return ApiToken.read(apiTokenFile);
            }
            return ApiToken.read(OptionDefaults.defaultDataDir(System.getenv()).resolve(ApiToken.NAME));
        }

        /** No answer from the node: the reason on stderr, and with --json an error document of our own. */
        private int unreachable(PrintStream out, PrintStream err, String error, IOException e, int exitCode) {
            err.println("kad " + name() + ": " + e.getMessage());
            if (json) {
                out.println(Json.write(new ApiTypes.Failure(error, String.valueOf(e.getMessage()))));
                out.flush();
            }
            return exitCode;
        }

        /**
         * Prints a query's trace ({@code --trace}) readably, on stderr so that stdout keeps the
         * result: one line per peer asked, answered or failed, then why the query stopped.
         */
        static void printTrace(PrintStream err, Object answer) {
            if (!(answer instanceof ApiTypes.WithTrace w) || w.trace() == null) {
                return;
            }
            ApiTypes.Trace trace = w.trace();
            err.println("trace:");
            for (ApiTypes.TraceEvent e : trace.events()) {
                String detail = e.detail() == null ? "" : e.detail();
                err.printf("  %6s ms  %-8s %s%s%s%s%n", e.tMs(), e.step(), e.peerId(),
                        e.rttMs() == null ? "" : "  rtt " + e.rttMs() + " ms",
                        "answered".equals(e.step()) ? "  " + e.closerPeers() + " closer, closest so far "
                                + e.closestBits() + " bits" : "",
                        detail.isEmpty() ? "" : "  (" + detail + ")");
            }
            err.println("  stopped: " + trace.stopReason());
        }

        /** Prints what a failed answer still holds (partial results); nothing by default. */
        void printFailure(PrintStream out, A answer) {}
    }

    /** KEY and {@code --hex} of {@code put} and {@code get}: a record key. */
    static final class RecordKeyArg {
        @Parameters(index = "0", paramLabel = "KEY", description = "The record's key.")
        String key;

        @Option(names = "--hex", description = "KEY is hex bytes.")
        boolean hex;

        /** The key's bytes in hex, as requests carry it. */
        String hex() {
            return HexFormat.of().formatHex(DisplayKeys.recordKey(key, hex));
        }
    }

    /**
     * KEY, {@code --hex} and {@code --text} of {@code provide} and {@code providers}: a provider key,
     * the multihash of a CID (v0 or v1, any common multibase) or of a bare multihash; else, or with
     * {@code --text}, the sha2-256 multihash of KEY's UTF-8 bytes; with {@code --hex}, the bytes as given.
     */
    static final class ProviderKeyArg {
        // optional for the parser only, so that 'kad provide stat' reaches its subcommand (picocli wants a
        // parent's required parameters before a subcommand); hexKey() requires it
        @Parameters(index = "0", arity = "0..1", paramLabel = "KEY", description = "A CID (Qm…, bafy…, bafk…, any common "
                + "multibase) or multihash; other text stands for the CID of its UTF-8 bytes (raw, sha2-256).")
        String key;

        @Option(names = "--hex", description = "KEY is hex bytes, used as they are.")
        boolean hex;

        @Option(names = "--text", description = "KEY is text even if it reads as a CID: use its bytes' sha2-256.")
        boolean text;

        /** The CID KEY names, or the raw CIDv1 of its text; empty with --hex. */
        java.util.Optional<Cid> cid() {
            if (hex) {
                return java.util.Optional.empty();
            }
            if (!text) {
                try {
                    return java.util.Optional.of(Cid.parse(key));
                } catch (IllegalArgumentException notACid) {
                    // text: hashed below
                }
            }
            return java.util.Optional.of(Cid.rawV1(DisplayKeys.multihash(key.getBytes(StandardCharsets.UTF_8))));
        }

        /** How to print the key: the CID as given (canonical form), or the hex. */
        String display() {
            return cid().map(Cid::toString).orElse("0x" + key);
        }

        /** The key's bytes in hex, as requests carry it. */
        String hexKey() {
            if (key == null) {
                throw new IllegalArgumentException("Missing required parameter: 'KEY'");
            }
            if (hex && text) {
                throw new IllegalArgumentException("give --hex or --text, not both");
            }
            return HexFormat.of().formatHex(cid().map(Cid::multihash).orElseGet(() -> DisplayKeys.hex(key)));
        }
    }

    /** A list of an answer, empty when absent. */
    static <T> List<T> list(List<T> list) {
        return list == null ? List.of() : list;
    }

    /** {@code --trace} of {@code get}, {@code put}, {@code providers} and {@code closest}. */
    static final class TraceOption {
        @Option(names = "--trace", description = "Also print how the query went (on stderr; in the document "
                + "with --json): each peer asked, its answer or failure and round trip, and why it stopped.")
        boolean trace;

        /** What the request's {@code trace} is: true with {@code --trace}, else absent. */
        Boolean asked() {
            return trace ? Boolean.TRUE : null;
        }
    }

    @Command(name = "put", mixinStandardHelpOptions = true,
            description = {"Stores a record: KEY (its UTF-8 bytes, or hex with --hex) and VALUE (or the contents of --file), "
                    + "on the node and at the k closest peers.",
                    "Fails (exit 1) when fewer peers than the quorum stored it; the node keeps its own copy."})
    static final class Put extends Base<ApiTypes.PutAnswer> {
        Put() {
            super(ApiTypes.PutAnswer.class);
        }

        @CommandLine.Mixin
        RecordKeyArg key;

        @Parameters(index = "1", arity = "0..1", paramLabel = "VALUE", description = "The value (UTF-8 text).")
        String value;

        @Option(names = "--file", paramLabel = "F", description = "Read the value from this file instead ('-': stdin).")
        Path file;

        @Option(names = "--quorum", defaultValue = "1",
                description = "Peers that must store it: a number, 'majority' or 'all' (default: ${DEFAULT-VALUE}).")
        String quorum;


        @CommandLine.Mixin
        TraceOption trace;

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            if ((value == null) == (file == null)) {
                throw new IllegalArgumentException("give either VALUE or --file F");
            }
            Quorum q = ApiEndpoints.parseQuorum(quorum);
            byte[] bytes;
            if (file != null && file.toString().equals("-")) {
                bytes = System.in.readNBytes(MAX_VALUE_BYTES + 1);
            } else if (file != null) {
                if (!Files.isRegularFile(file)) {
                    throw new IllegalArgumentException("--file " + file + ": no such file");
                }
                bytes = Files.readAllBytes(file);
            } else {
                bytes = value.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            }
            if (bytes.length > MAX_VALUE_BYTES) {
                throw new IllegalArgumentException("the value is larger than " + MAX_VALUE_BYTES
                        + " bytes, more than the API takes");
            }
            return client.post("/v1/put", new ApiTypes.PutRequest(key.hex(), Base64.getEncoder().encodeToString(bytes),
                    q, trace.asked()));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.PutAnswer answer) {
            List<String> at = list(answer.storedAt());
            out.println("stored " + answer.key() + " (" + answer.valueBytes() + " bytes) on the node and at "
                    + at.size() + (at.size() == 1 ? " peer" : " peers"));
            at.forEach(p -> out.println("  " + p));
        }
    }

    @Command(name = "get", mixinStandardHelpOptions = true,
            description = {"Looks up the record of KEY (its UTF-8 bytes, or hex with --hex) and writes its value, as it "
                    + "is, to stdout or to -o F.",
                    "Fails (exit 1) when no peer has it (not found) or fewer than the quorum returned it."})
    static final class Get extends Base<ApiTypes.GetAnswer> {
        Get() {
            super(ApiTypes.GetAnswer.class);
        }

        @CommandLine.Mixin
        RecordKeyArg key;

        @Option(names = "--quorum", defaultValue = "1",
                description = "Copies to find (the node's own counts as one): a number, 'majority' or 'all' "
                        + "(default: ${DEFAULT-VALUE}).")
        String quorum;

        @Option(names = {"-o", "--output"}, paramLabel = "F", description = "Write the value's bytes to this file.")
        Path output;


        @CommandLine.Mixin
        TraceOption trace;

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            ApiClient.Response r = client.post("/v1/get", new ApiTypes.GetRequest(key.hex(),
                    ApiEndpoints.parseQuorum(quorum), trace.asked()));
            if (r.ok() && output != null) {
                Files.write(output, value(r.as(ApiTypes.GetAnswer.class)));
            }
            return r;
        }

        private static byte[] value(ApiTypes.GetAnswer answer) {
            return Base64.getDecoder().decode(answer.valueBase64());
        }

        /** The value's bytes to stdout as they are, nothing else; nothing at all with {@code -o}. */
        @Override
        void printOk(PrintStream out, ApiTypes.GetAnswer answer) throws IOException {
            if (output == null) {
                out.write(value(answer));
            }
        }

        /** With {@code -o}, the file's name instead of the value. */
        @Override
        Object jsonOk(ApiTypes.GetAnswer answer) {
            if (output == null) {
                return answer;
            }
            Map<String, Object> m = Json.parseObject(Json.write(answer));
            m.remove("value_base64");
            m.put("output", output.toAbsolutePath().toString());
            return m;
        }
    }

    @Command(name = "provide", mixinStandardHelpOptions = true, subcommands = {ProvideStat.class, ProvideAudit.class},
            description = {"Announces the node as a provider of KEY: a CID (its multihash is the key go- and js-libp2p "
                    + "use), or text, which stands for the CID of its UTF-8 bytes; hex bytes with --hex.",
                    "The node announces it again every provider publication interval (12 h).",
                    "'kad provide stat' shows how, 'kad provide audit' checks where the records are (a text key "
                            + "'stat' or 'audit' is given as its CID)."})
    static final class Provide extends Base<ApiTypes.ProvideAnswer> {
        Provide() {
            super(ApiTypes.ProvideAnswer.class);
        }

        @CommandLine.Mixin
        ProviderKeyArg key;


        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/provide", new ApiTypes.KeyRequest(key.hexKey()));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.ProvideAnswer answer) {
            out.println(answer.provider() + " provides " + key.display());
        }
    }

    @Command(name = "audit", mixinStandardHelpOptions = true,
            description = {"Checks a random sample of the keys the node provides: looks up each key's closest peers and "
                    + "asks them for its providers. Prints, per key, how many of those that answered hold this node's "
                    + "record, then the mean and the coverage (keys held by at least 3/4 of them, 15 of 20)."})
    static final class ProvideAudit extends Base<ApiTypes.ProvideAudit> {
        ProvideAudit() {
            super(ApiTypes.ProvideAudit.class);
        }

        @Option(names = "--sample", defaultValue = "20", paramLabel = "N",
                description = "How many provided keys to check, 1 to 200 (default: ${DEFAULT-VALUE}).")
        int sample;

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.post("/v1/provide/audit", new ApiTypes.AuditRequest(sample));
        }

        @Override
        void printOk(PrintStream out, ApiTypes.ProvideAudit a) {
            for (ApiTypes.AuditedKey k : a.keys()) {
                out.println(k.holding() + "/" + k.answered() + " of the " + k.closest() + " closest hold " + k.key());
            }
            out.printf(java.util.Locale.ROOT, "%d keys: %.1f %% of the closest peers hold the record; coverage %.3f%n",
                    a.sampled(), 100 * a.holding(), a.coverage());
        }
    }

    @Command(name = "stat", mixinStandardHelpOptions = true,
            description = {"Shows how the node announces the keys it provides again: the strategy, the keys, and for "
                    + "the reprovide sweep its cycle, position in the keyspace, region size, network size estimate, "
                    + "next region, lag behind schedule, regions and keys done, failures and the last region."})
    static final class ProvideStat extends Base<ApiTypes.ProvideStat> {
        ProvideStat() {
            super(ApiTypes.ProvideStat.class);
        }

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            return client.get("/v1/provide/stat");
        }

        @Override
        void printOk(PrintStream out, ApiTypes.ProvideStat s) {
            out.println("strategy     " + s.strategy() + ", every " + s.intervalS() + " s");
            out.println("keys         " + (s.providedKeys() == null ? "unknown" : s.providedKeys()));
            if (!"sweep".equals(s.strategy())) {
                return;
            }
            out.printf(java.util.Locale.ROOT, "cycle        %d, began %s, %.1f %% through the keyspace%n", s.cycle(),
                    s.cycleStart(), 100 * s.position());
            out.println("regions      " + s.regionBits() + " bits (network of about "
                    + (s.networkSize() == null ? "?" : Math.round(s.networkSize())) + " nodes)"
                    + (Boolean.TRUE.equals(s.regionRunning()) ? ", one running" : "")
                    + (s.nextRegionDue() == null ? "" : ", next due " + s.nextRegionDue()));
            out.println("lag          " + s.lagS() + " s");
            out.println("done         " + s.regionsDone() + " regions, " + s.keysAnnounced() + " keys, "
                    + s.failures() + " failures since start");
            ApiTypes.ProvideRegion r = s.lastRegion();
            if (r != null) {
                out.println("last region  " + (r.prefix().isEmpty() ? "(all)" : r.prefix()) + " of cycle " + r.cycle()
                        + ": " + r.keys() + " keys to " + r.peersExplored() + " peers, " + r.lookups() + " lookups, "
                        + r.addProviderRequests() + " ADD_PROVIDERs, " + r.started() + " to " + r.finished());
            }
        }
    }

    @Command(name = "providers", mixinStandardHelpOptions = true,
            description = {"Looks up the providers of KEY (a CID, or text, or hex bytes with --hex, as for "
                    + "'kad provide') and their addresses.", "Fails (exit 1) when none is found."})
    static final class Providers extends Base<ApiTypes.ProvidersAnswer> {
        Providers() {
            super(ApiTypes.ProvidersAnswer.class);
        }

        @CommandLine.Mixin
        ProviderKeyArg key;


        @CommandLine.Mixin
        TraceOption trace;

        @Override
        ApiClient.Response request(ApiClient client) throws IOException {
            if (max < 1) {
                throw new IllegalArgumentException("-n must be >= 1: " + max);
            }
            return client.post("/v1/providers", new ApiTypes.ProvidersRequest(key.hexKey(), max, trace.asked()));
        }

        @Option(names = {"-n", "--num-providers"}, paramLabel = "N", defaultValue = "20",
                description = "Stop the lookup once N providers are known, and print at most N "
                        + "(default: ${DEFAULT-VALUE}).")
        int max;

        @Override
        void printOk(PrintStream out, ApiTypes.ProvidersAnswer answer) {
            List<String> p = list(answer.providers());
            Map<String, List<String>> addrs = answer.addrs() == null ? Map.of() : answer.addrs();
            out.println(p.size() + (p.size() == 1 ? " provider" : " providers") + " of " + key.display()
                    + (p.size() > max ? " (the first " + max + ")" : "") + ":");
            p.stream().limit(max).forEach(x -> {
                List<String> a = addrs.getOrDefault(x, List.of());
                out.println("  " + x + (a.isEmpty() ? "" : "  " + String.join(" ", a)));
            });
        }

        /** At most N providers, as in the readable output. */
        @Override
        Object jsonOk(ApiTypes.ProvidersAnswer answer) {
            return answer.first(max);
        }
    }
}
