package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.multiaddr.Multiaddr;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The local API against what a web page (or a rebound DNS name) can make a browser send: requests
 * to a real daemon written byte by byte on a socket, as an attacker's page would have them sent.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiSafetyTest {

    @TempDir
    static Path dir;

    private Daemon daemon;
    private int port;

    @BeforeAll
    void start() throws Exception {
        port = KadRun.freePort();
        daemon = Daemon.start(new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), List.of(), List.of(),
                "memory", Map.of(), dir.resolve("node"), Optional.empty(),
                Optional.of(new InetSocketAddress("127.0.0.1", port)), false, Duration.ofMinutes(5), Duration.ofMinutes(5)));
    }

    @AfterAll
    void stop() {
        if (daemon != null) {
            daemon.close();
        }
    }

    private record Answer(int status, Map<String, Object> json) {}

    /** Sends one HTTP/1.1 request with exactly these headers and body; the answer. */
    private Answer send(String method, String path, Map<String, String> headers, String body) throws IOException {
        try (Socket s = new Socket("127.0.0.1", port)) {
            s.setSoTimeout(10_000);
            byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
            StringBuilder req = new StringBuilder(method + " " + path + " HTTP/1.1\r\n");
            headers.forEach((k, v) -> req.append(k).append(": ").append(v).append("\r\n"));
            req.append("Content-Length: ").append(bytes.length).append("\r\nConnection: close\r\n\r\n");
            OutputStream out = s.getOutputStream();
            out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
            out.write(bytes);
            out.flush();
            InputStream in = s.getInputStream();
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int status = Integer.parseInt(text.substring(9, 12));
            String answerBody = text.substring(text.indexOf("\r\n\r\n") + 4).strip();
            return new Answer(status, answerBody.startsWith("{") ? Json.parseObject(answerBody) : Map.of());
        }
    }

    private String putBody(String key) {
        return "{\"key_hex\":\"" + HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8))
                + "\",\"value_base64\":\"aGk=\",\"quorum\":\"1\"}";
    }

    private boolean stored(String key) throws IOException {
        Answer a = send("POST", "/v1/get", Map.of("Host", "127.0.0.1:" + port, "Content-Type", "application/json"),
                "{\"key_hex\":\"" + HexFormat.of().formatHex(key.getBytes(StandardCharsets.UTF_8)) + "\"}");
        return a.status() == 200;
    }

    @Test
    void aPageOfAnotherSiteCannotWrite() throws IOException {
        // The simple request a page may send without a preflight: text/plain, its own Origin.
        Answer a = send("POST", "/v1/put", Map.of("Host", "127.0.0.1:" + port, "Origin", "http://evil.example",
                "Content-Type", "text/plain"), putBody("evil-1"));
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.json()).containsEntry("ok", false).containsEntry("error", "forbidden_origin");
        // Even with the JSON type (a preflight we never answer would stop a browser first).
        Answer b = send("POST", "/v1/put", Map.of("Host", "127.0.0.1:" + port, "Origin", "https://evil.example",
                "Content-Type", "application/json"), putBody("evil-2"));
        assertThat(b.status()).isEqualTo(403);
        assertThat(stored("evil-1")).isFalse();
        assertThat(stored("evil-2")).isFalse();
    }

    @Test
    void aReboundDnsNameIsRefused() throws IOException {
        Answer a = send("POST", "/v1/put", Map.of("Host", "rebind.evil.example:" + port, "Content-Type",
                "application/json"), putBody("rebound"));
        assertThat(a.status()).isEqualTo(403);
        assertThat(a.json()).containsEntry("ok", false).containsEntry("error", "forbidden_host");
        Answer status = send("GET", "/v1/status", Map.of("Host", "rebind.evil.example"), "");
        assertThat(status.status()).isEqualTo(403);
        assertThat(stored("rebound")).isFalse();
    }

    @Test
    void aPostMustBeDeclaredJson() throws IOException {
        for (String type : List.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x")) {
            Answer a = send("POST", "/v1/put", Map.of("Host", "127.0.0.1:" + port, "Content-Type", type),
                    putBody("typed"));
            assertThat(a.status()).as(type).isEqualTo(415);
            assertThat(a.json()).containsEntry("ok", false).containsEntry("error", "unsupported_media_type");
        }
        Answer none = send("POST", "/v1/put", Map.of("Host", "127.0.0.1:" + port), putBody("typed"));
        assertThat(none.status()).isEqualTo(415);
        assertThat(stored("typed")).isFalse();
    }

    @Test
    void loopbackCallersAreServed() throws IOException {
        for (String host : List.of("127.0.0.1:" + port, "localhost:" + port, "localhost")) {
            Answer a = send("POST", "/v1/put", Map.of("Host", host, "Origin", "http://" + host,
                    "Content-Type", "application/json; charset=utf-8"), putBody("ok-" + host));
            // Served: a lone node keeps its own copy and answers quorum_failed (no peer to store at).
            assertThat(a.status()).as(host).isEqualTo(409);
            assertThat(a.json()).containsEntry("ok", false).containsEntry("error", "quorum_failed");
            assertThat(stored("ok-" + host)).as(host).isTrue();
        }
        assertThat(send("GET", "/v1/status", Map.of("Host", "[::1]:" + port), "").status()).isEqualTo(200);
    }

    @Test
    void clientsThatStallTheirBodiesDoNotBlockTheApi() throws Exception {
        List<Socket> stalled = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < 8; i++) {
                Socket s = new Socket("127.0.0.1", port);
                stalled.add(s);
                s.getOutputStream().write(("POST /v1/get HTTP/1.1\r\nHost: 127.0.0.1:" + port
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{").getBytes(StandardCharsets.US_ASCII));
                s.getOutputStream().flush();
            }
            Answer a = send("GET", "/v1/status", Map.of("Host", "127.0.0.1:" + port), "");
            assertThat(a.status()).as("status while 8 clients stall their bodies").isEqualTo(200);
            // The stalled ones are cut off after the request deadline (EOF or a reset), not left open.
            for (Socket s : stalled) {
                s.setSoTimeout(30_000);
                assertThat(endOfStream(s)).isTrue();
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    /** True when the server ended the connection (EOF or reset); false if it is still open after the read timeout. */
    private static boolean endOfStream(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            while (in.read() >= 0) {
                // an error answer, if any, then the end
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (java.net.SocketException e) {
            return true; // reset
        }
    }

    @Test
    void deeplyNestedJsonIsABadRequest() throws IOException {
        String deep = "[".repeat(20_000) + "]".repeat(20_000);
        Answer a = send("POST", "/v1/get", Map.of("Host", "127.0.0.1:" + port, "Content-Type", "application/json"),
                "{\"key_hex\":" + deep + "}");
        assertThat(a.status()).isEqualTo(400);
        assertThat(a.json()).containsEntry("ok", false).containsEntry("error", "bad_request");
        assertThat(send("GET", "/v1/status", Map.of("Host", "127.0.0.1:" + port), "").status()).isEqualTo(200);
    }
}
