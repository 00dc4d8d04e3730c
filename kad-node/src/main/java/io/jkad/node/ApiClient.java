package io.jkad.node;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/** The client side of {@link ApiServer}: one JSON request, one JSON answer. */
final class ApiClient {

    /** The API address of {@code kad run} and of the client commands when none is given. */
    static final String DEFAULT_API = "127.0.0.1:5380";

    /** The node is not there: nothing listens at the API address. */
    static final class NotRunningException extends IOException {
        private static final long serialVersionUID = 1L;

        NotRunningException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * An answer: the HTTP status, the JSON object as a map (empty for a text answer) and the text
     * as received; {@link #as} reads it as one of the API's records.
     */
    record Response(int status, Map<String, Object> json, String text) {
        boolean ok() {
            return status == 200;
        }

        /**
         * The answer as {@code type} ({@link ApiTypes}).
         *
         * @throws IllegalArgumentException if it is no JSON object of that shape
         */
        <T> T as(Class<T> type) {
            return Json.read(text, type);
        }
    }

    private final InetSocketAddress address;
    private final HttpClient http;

    private final java.util.Optional<String> token;

    ApiClient(InetSocketAddress address) {
        this(address, java.util.Optional.empty());
    }

    /** A client that sends {@code token} as {@code Authorization: Bearer …}, if given. */
    ApiClient(InetSocketAddress address, java.util.Optional<String> token) {
        this.token = token;
        this.address = address;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).version(HttpClient.Version.HTTP_1_1)
                .build();
    }

    /**
     * Parses {@code HOST:PORT} ({@code [::1]:PORT} for IPv6).
     *
     * @throws IllegalArgumentException if it is not that
     */
    static InetSocketAddress parseAddress(String text) {
        int colon = text.lastIndexOf(':');
        if (colon <= 0 || colon == text.length() - 1) {
            throw new IllegalArgumentException("expected HOST:PORT, e.g. " + DEFAULT_API + ": '" + text + "'");
        }
        String host = text.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in '" + text + "'");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port out of range in '" + text + "'");
        }
        return new InetSocketAddress(host, port);
    }

    /** {@code host:port} as given. */
    String where() {
        return address.getHostString() + ":" + address.getPort();
    }

    Response get(String path) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).GET(), path);
    }

    /** Posts {@code body}, one of the API's request records (or a map), as JSON. */
    Response post(String path, Object body) throws IOException {
        return postJson(path, Json.write(body));
    }

    /** Posts {@code json}, as it is, with the JSON content type. */
    Response postJson(String path, String json) throws IOException {
        return send(HttpRequest.newBuilder(uri(path)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8)), path);
    }

    private URI uri(String path) {
        String host = address.getHostString();
        if (host.contains(":")) {
            host = "[" + host + "]";
        }
        return URI.create("http://" + host + ":" + address.getPort() + path);
    }

    private Response send(HttpRequest.Builder request, String path) throws IOException {
        token.ifPresent(t -> request.header("Authorization", "Bearer " + t));
        HttpResponse<String> r;
        try {
            r = http.send(request.timeout(ApiEndpoints.OPERATION_TIMEOUT.plusSeconds(10)).build(),
                    HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new NotRunningException("no node is running at " + where() + " (" + describe(e)
                    + "); start one with 'kad run', or give its API address with --api HOST:PORT", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        String body = r.body();
        String type = r.headers().firstValue("Content-Type").orElse("");
        if (type.startsWith("application/json")) {
            try {
                return new Response(r.statusCode(), Json.parseObject(body), body);
            } catch (IllegalArgumentException e) {
                throw new IOException("the node at " + where() + " answered " + path + " with bad JSON: " + e.getMessage(), e);
            }
        }
        return new Response(r.statusCode(), Map.of(), body);
    }

    private static String describe(Throwable e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            return e.getCause() != null ? describe(e.getCause()) : "connection refused";
        }
        return m;
    }
}
