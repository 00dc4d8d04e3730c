package io.jkad.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.jkad.kademlia.Quorum;
import io.jkad.net.KademliaNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import io.jkad.record.StoreException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local HTTP API of a running node (JDK {@code com.sun.net.httpserver}), bound to a loopback
 * address only. Requests and answers are JSON objects; keys travel as hex ({@code key_hex}),
 * values as base64 ({@code value_base64}). An error answers with an HTTP error status and
 * {@code {"error": code, "message": text, …}}.
 *
 * <table>
 *   <caption>Endpoints</caption>
 *   <tr><td>{@code GET /v1/status}</td><td>peer id, listen and advertised addresses, mode, store,
 *       routing table size, connections, uptime</td></tr>
 *   <tr><td>{@code POST /v1/put} {@code {key_hex, value_base64, quorum}}</td><td>stores a record
 *       locally and at the k closest peers; 200 with {@code stored_at}, or 409 {@code quorum_failed}
 *       (the local copy stays), 422 {@code store_refused}</td></tr>
 *   <tr><td>{@code POST /v1/get} {@code {key_hex, quorum}}</td><td>200 with the value and who returned it
 *       ({@code "local"} for the node's own store), or 404 {@code not_found}, 409 {@code quorum_failed}</td></tr>
 *   <tr><td>{@code POST /v1/provide} {@code {key_hex}}</td><td>announces the node as a provider; 200,
 *       or 504 {@code timeout}</td></tr>
 *   <tr><td>{@code POST /v1/providers} {@code {key_hex}}</td><td>200 with the providers found, or 404</td></tr>
 *   <tr><td>{@code POST /v1/peer} {@code {peer_id}}</td><td>the peer's known addresses and the closest
 *       peers to its id; 404 when nothing about it was found</td></tr>
 *   <tr><td>{@code GET /v1/routing-table}</td><td>the routing table's peers</td></tr>
 *   <tr><td>{@code GET /v1/peers}</td><td>the connected peers: address, direction, agent, ping
 *       round-trip time, protocols</td></tr>
 *   <tr><td>{@code POST /v1/closest} {@code {key_hex}}</td><td>the k closest peers to the key, from the
 *       network; 404 when no peer answered</td></tr>
 *   <tr><td>{@code POST /v1/id} {@code {peer_id?}}</td><td>the node's own Identify, or a remote peer's
 *       (connecting to it, found through the DHT if needed); 404 {@code unreachable}</td></tr>
 *   <tr><td>{@code GET /v1/activity}</td><td>the recent queries and the periodic jobs (the status page's)</td></tr>
 *   <tr><td>{@code GET /v1/openapi.json}</td><td>this table as an OpenAPI 3 document
 *       ({@code openapi.json} beside this class)</td></tr>
 *   <tr><td>{@code GET /metrics}</td><td>Prometheus text ({@link NodeMetrics})</td></tr>
 * </table>
 *
 * <p>Quorum: a number, {@code "majority"} or {@code "all"}; default 1. This class is the HTTP
 * plumbing (routes, bodies, errors, the metrics page); what each endpoint does is
 * {@link ApiEndpoints}'.
 */
final class ApiServer implements AutoCloseable {

    private final Optional<String> token;

    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    private static final int MAX_BODY = 8 * 1024 * 1024;
    /**
     * The most seconds a client may take to send its request (headers and body): the JDK server's
     * own limit, read once when its first server starts, so set before (unless the JVM was given
     * one). Without it, clients that stall their bodies hold the API's threads for good.
     */
    static final int REQUEST_SECONDS = 5;
    /** The most threads serving calls at once. */
    static final int THREADS = 32;
    /**
     * Operations (lookups, puts) running at once; one more is refused with 503 busy. A running
     * operation holds no thread: its steps and its answer run on {@code steps} when its futures
     * complete.
     */
    static final int OPERATIONS = 256;
    private static final long IDLE_THREAD_SECONDS = 5;

    static {
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_SECONDS));
        }
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final NodeMetrics metrics;
    /**
     * The threads that run the operations' steps and write their answers: made when needed, ended
     * after IDLE_THREAD_SECONDS idle. An operation runs one step at a time, so there are at most
     * OPERATIONS busy at once (twice that is the bound, for the moment a thread is being handed back).
     */
    private final ThreadPoolExecutor steps = new ThreadPoolExecutor(0, 2 * OPERATIONS, IDLE_THREAD_SECONDS,
            TimeUnit.SECONDS, new java.util.concurrent.SynchronousQueue<>(), r -> {
                Thread t = new Thread(r, "kad-api-op");
                t.setDaemon(true);
                return t;
            });
    private final java.util.concurrent.Semaphore running = new java.util.concurrent.Semaphore(OPERATIONS);
    private final java.util.function.BooleanSupplier nodeClosed;
    private final Map<String, String> routes = new java.util.LinkedHashMap<>();

    private ApiServer(HttpServer server, ExecutorService executor, NodeMetrics metrics, Optional<String> token,
                      java.util.function.BooleanSupplier nodeClosed) {
        this.nodeClosed = nodeClosed;
        this.token = token;
        this.server = server;
        this.executor = executor;
        this.metrics = metrics;
    }

    /**
     * Starts the API on {@code address}.
     *
     * @throws IllegalArgumentException if the address is not a loopback address
     * @throws IOException if it cannot be bound
     */
    static ApiServer start(InetSocketAddress address, KademliaNode node, NodeMetrics metrics) throws IOException {
        return start(address, node, metrics, () -> ApiTypes.StatusExtras.NONE,
                () -> CompletableFuture.completedFuture(new ApiTypes.Activity(List.of(), List.of())), Optional.empty(),
                () -> -1);
    }

    /**
     * Starts the API on {@code address}; with a {@code token}, every request must carry it
     * ({@code Authorization: Bearer …}; 401 otherwise).
     */
    static ApiServer start(InetSocketAddress address, KademliaNode node, NodeMetrics metrics,
                           Supplier<ApiTypes.StatusExtras> statusExtras,
                           Supplier<CompletableFuture<ApiTypes.Activity>> activity,
                           Optional<String> token, java.util.function.LongSupplier providedKeys) throws IOException {
        if (address.isUnresolved() || !address.getAddress().isLoopbackAddress()) {
            throw new IllegalArgumentException("the API binds to a loopback address only (127.0.0.1, ::1): " + address);
        }
        HttpServer server;
        try {
            server = HttpServer.create(address, 64);
        } catch (IOException e) {
            throw new IOException("cannot bind the API to " + address.getHostString() + ":" + address.getPort()
                    + ": " + e.getMessage() + " (another node running? choose another with --api)", e);
        }
        // Threads that read requests: a client that stalls its body holds one for up to REQUEST_SECONDS;
        // the operation itself then waits on a thread of `operations`, not here. Up to THREADS of
        // them; one idle for IDLE_THREAD_SECONDS ends, so a quiet node keeps none.
        ThreadPoolExecutor executor = new ThreadPoolExecutor(THREADS, THREADS, IDLE_THREAD_SECONDS, TimeUnit.SECONDS,
                new LinkedBlockingQueue<>(), r -> {
                    Thread t = new Thread(r, "kad-api");
                    t.setDaemon(true);
                    return t;
                });
        executor.allowCoreThreadTimeOut(true);
        server.setExecutor(executor);
        ApiServer api = new ApiServer(server, executor, metrics, token, node::isClosed);
        ApiEndpoints endpoints = new ApiEndpoints(node, statusExtras, api.steps, providedKeys);
        api.get("/v1/status", endpoints::status);
        api.post("/v1/put", ApiTypes.PutRequest.class, endpoints::put);
        api.post("/v1/get", ApiTypes.GetRequest.class, endpoints::get);
        api.post("/v1/provide", ApiTypes.KeyRequest.class, endpoints::provide);
        api.post("/v1/providers", ApiTypes.ProvidersRequest.class, endpoints::providers);
        api.post("/v1/peer", ApiTypes.PeerRequest.class, endpoints::peer);
        api.get("/v1/routing-table", endpoints::routingTable);
        api.get("/v1/peers", endpoints::peers);
        api.get("/v1/activity", activity);
        api.get("/v1/provide/stat", endpoints::provideStat);
        api.post("/v1/provide/audit", ApiTypes.AuditRequest.class, endpoints::audit);
        api.post("/v1/closest", ApiTypes.ClosestRequest.class, endpoints::closest);
        api.post("/v1/id", ApiTypes.PeerRequest.class, endpoints::id);
        api.post("/v1/name/publish", ApiTypes.PublishRequest.class, endpoints::publish);
        api.post("/v1/name/resolve", ApiTypes.ResolveRequest.class, endpoints::resolve);
        Map<String, Object> openApi = openApi();
        api.get("/v1/openapi.json", () -> CompletableFuture.completedFuture(openApi));
        server.createContext("/metrics", api::metrics);
        byte[] page = resource("status.html");
        server.createContext("/", ex -> api.statusPage(ex, page));
        server.start();
        LOG.info("API on http://{}:{}", address.getHostString(), server.getAddress().getPort());
        return api;
    }

    /** The operations under way (started and not yet answered). */
    int runningOperations() {
        return OPERATIONS - running.availablePermits();
    }

    /** The bound address (the chosen port if 0 was asked for). */
    InetSocketAddress address() {
        return server.getAddress();
    }

    /** Stops accepting requests and waits up to a second for running ones. */
    @Override
    public void close() {
        server.stop(1);
        executor.shutdownNow();
        steps.shutdownNow();
    }

    // ------------------------------------------------------------------ plumbing

    /**
     * An answer other than 200: the status and the JSON body, an answer record with {@code ok:
     * false} or a {@link ApiTypes.Failure}. Unchecked, so that the endpoints' future steps can
     * end with it.
     */
    static final class ApiException extends RuntimeException {
        private static final long serialVersionUID = 1L;
        final int status;
        final transient Object body;

        ApiException(int status, String code, String message) {
            this(status, new ApiTypes.Failure(code, message), message);
        }

        ApiException(int status, ApiTypes.Answer answer) {
            this(status, answer, answer.message());
        }

        private ApiException(int status, Object body, String message) {
            super(message, null, false, false);
            this.status = status;
            this.body = body;
        }
    }

    static ApiTypes.Failure error(String code, String message) {
        return new ApiTypes.Failure(code, message);
    }

    /** An endpoint: its request record (null for a GET) to the future of its answer. */
    private interface Handler<Q> {
        CompletableFuture<?> handle(Q request);
    }

    /** The endpoints served, path to method, in the order they were added (for the OpenAPI check). */
    Map<String, String> routes() {
        return Map.copyOf(routes);
    }

    private static byte[] resource(String name) {
        try (var in = ApiServer.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " missing from the jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /**
     * {@code GET /}: the status page, a self-contained HTML page that reads the JSON endpoints
     * (behind the same guard: loopback Host, no foreign Origin, the token if there is one — which
     * the page takes from its URL's {@code #token=}); any other unknown path is 404.
     */
    private void statusPage(HttpExchange ex, byte[] page) {
        try {
            if (!ex.getRequestURI().getPath().equals("/")) {
                send(ex, 404, error("no_such_endpoint", "no endpoint " + ex.getRequestURI()));
                return;
            }
            if (!ex.getRequestMethod().equals("GET")) {
                ex.getResponseHeaders().add("Allow", "GET");
                send(ex, 405, error("method_not_allowed", "/ takes GET"));
                return;
            }
            // the page itself holds nothing secret: only the Host and Origin checks apply to it
            ApiException refused = ApiGuard.check(ex.getRequestHeaders(), "GET", Optional.empty());
            if (refused != null) {
                send(ex, refused.status, refused.body);
                return;
            }
            ex.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
            ex.getResponseHeaders().set("Content-Security-Policy", "default-src 'self'; script-src 'unsafe-inline'; "
                    + "style-src 'unsafe-inline'; connect-src 'self'");
            ex.getResponseHeaders().set("X-Frame-Options", "DENY");
            ex.sendResponseHeaders(200, page.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(page);
            }
        } catch (IOException e) {
            LOG.debug("status page not sent: {}", e.toString());
        } finally {
            ex.close();
        }
    }

    private void get(String path, Supplier<? extends CompletableFuture<?>> handler) {
        route(path, "GET", null, q -> handler.get());
    }

    private <Q> void post(String path, Class<Q> type, Handler<Q> handler) {
        route(path, "POST", type, handler);
    }

    /** The OpenAPI document of this API ({@code GET /v1/openapi.json}), as kept in the jar. */
    static Map<String, Object> openApi() {
        return Json.parseObject(new String(resource("openapi.json"), StandardCharsets.UTF_8));
    }

    private <Q> void route(String path, String method, Class<Q> type, Handler<Q> handler) {
        routes.put(path, method);
        server.createContext(path, ex -> {
            boolean handedOver = false;
            try {
                if (!ex.getRequestURI().getPath().equals(path)) {
                    send(ex, 404, error("no_such_endpoint", "no endpoint " + ex.getRequestURI()));
                    return;
                }
                if (!method.equals(ex.getRequestMethod())) {
                    ex.getResponseHeaders().add("Allow", method);
                    send(ex, 405, error("method_not_allowed", path + " takes " + method));
                    return;
                }
                ApiException refused = ApiGuard.check(ex.getRequestHeaders(), method, token);
                if (refused != null) {
                    send(ex, refused.status, refused.body);
                    return;
                }
                Q request = type == null ? null : readBody(ex, type);
                if (!running.tryAcquire()) {
                    send(ex, 503, error("busy", OPERATIONS + " operations are running already; try again when "
                            + "some have finished"));
                    return;
                }
                // the operation runs on the node's futures, holding no thread; its answer is written
                // on a `steps` thread when it completes, which also closes the exchange
                CompletableFuture<?> answer;
                try {
                    answer = handler.handle(request);
                } catch (RuntimeException | Error e) {
                    running.release();
                    throw e;
                }
                handedOver = true;
                answer.orTimeout(ApiEndpoints.OPERATION_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                        .whenCompleteAsync((value, failure) -> {
                            try {
                                if (failure == null) {
                                    send(ex, 200, value);
                                } else {
                                    fail(ex, path, failure);
                                }
                            } finally {
                                running.release();
                                ex.close();
                            }
                        }, steps);
            } catch (RuntimeException | Error e) {
                fail(ex, path, e);
            } finally {
                if (!handedOver) {
                    ex.close();
                }
            }
        });
    }

    /**
     * Answers a failed call: its own status; 504 when it took over {@link ApiEndpoints#OPERATION_TIMEOUT};
     * 422 for a record the store refused; 503 when the node is stopping; 400 for bad input; 500
     * (logged) for anything else.
     */
    private void fail(HttpExchange ex, String path, Throwable failure) {
        Throwable e = failure;
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        if (e instanceof ApiException a) {
            send(ex, a.status, a.body);
        } else if (e instanceof java.util.concurrent.TimeoutException) {
            send(ex, 504, error("timeout", "the operation did not finish within "
                    + ApiEndpoints.OPERATION_TIMEOUT.toSeconds() + " s"));
        } else if (e instanceof StoreException se) {
            send(ex, 422, new ApiTypes.Failure(false, "store_refused", se.getMessage(), se.kind().name()));
        } else if (e instanceof io.jkad.validation.InvalidRecordException ir) {
            send(ex, 400, new ApiTypes.Failure(false, "invalid_record", ir.getMessage(),
                    ir.reason().name().toLowerCase(java.util.Locale.ROOT)));
        } else if (e instanceof IllegalStateException && nodeClosed.getAsBoolean()) {
            send(ex, 503, error("stopping", "the node is stopping"));
        } else if (e instanceof IllegalArgumentException) {
            send(ex, 400, error("bad_request", e.getMessage()));
        } else {
            LOG.warn("API {} failed", path, e);
            send(ex, 500, error("internal", e.toString()));
        }
    }

    private static <Q> Q readBody(HttpExchange ex, Class<Q> type) throws IOException {
        byte[] bytes;
        try (InputStream in = ex.getRequestBody()) {
            bytes = in.readNBytes(MAX_BODY + 1);
        }
        if (bytes.length > MAX_BODY) {
            throw new IllegalArgumentException("request body over " + MAX_BODY + " bytes");
        }
        String text = new String(bytes, StandardCharsets.UTF_8);
        return Json.read(text.isBlank() ? "{}" : text, type);
    }

    private void send(HttpExchange ex, int status, Object body) {
        byte[] bytes = (Json.write(body) + "\n").getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        try {
            ex.sendResponseHeaders(status, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException e) {
            LOG.debug("API answer not sent: {}", e.toString());
        }
    }

    private void metrics(HttpExchange ex) {
        ApiException refused = ApiGuard.check(ex.getRequestHeaders(), "GET", token);
        if (refused != null) {
            send(ex, refused.status, refused.body);
            ex.close();
            return;
        }
        try {
            byte[] bytes = metrics.scrape().getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().set("Content-Type", NodeMetrics.contentType());
            ex.sendResponseHeaders(200, bytes.length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(bytes);
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("metrics scrape failed", e);
        } finally {
            ex.close();
        }
    }
}
