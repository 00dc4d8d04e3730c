package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow operations hold no thread: with more lookups waiting on a peer that never answers than the
 * API has request threads ({@link ApiServer#THREADS}), {@code status} still answers at once, and
 * the waiting lookups occupy none of the API's threads.
 */
class ApiConcurrencyTest {

    @TempDir
    Path dir;

    @Test
    void manySlowLookupsLeaveTheApiAnswering() throws Exception {
        List<Socket> held = new CopyOnWriteArrayList<>();
        try (ServerSocket silent = new ServerSocket(0, 200, java.net.InetAddress.getLoopbackAddress())) {
            // a "peer" that accepts TCP and then says nothing: every dial to it waits for the handshake timeout
            Thread acceptor = new Thread(() -> {
                while (!silent.isClosed()) {
                    try {
                        held.add(silent.accept());
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            }, "silent-peer");
            acceptor.setDaemon(true);
            acceptor.start();
            Multiaddr mute = Multiaddr.parse("/ip4/127.0.0.1/tcp/" + silent.getLocalPort() + "/p2p/"
                    + Ed25519KeyPair.generate().peerId());
            try (Daemon d = Daemon.start(new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), List.of(),
                    List.of(mute), "memory", Map.of(), dir, Optional.empty(),
                    Optional.of(new InetSocketAddress("127.0.0.1", 0)), false, Duration.ofMinutes(5),
                    Duration.ofMinutes(5)))) {
                ApiClient client = new ApiClient(d.apiAddress().orElseThrow());
                int slow = ApiServer.THREADS + 8;
                ExecutorService callers = Executors.newFixedThreadPool(slow);
                try {
                    List<CompletableFuture<ApiClient.Response>> lookups = new ArrayList<>();
                    for (int i = 0; i < slow; i++) {
                        String key = HexFormat.of().formatHex(("slow-" + i).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                        lookups.add(CompletableFuture.supplyAsync(() -> {
                            try {
                                return client.post("/v1/get", Map.of("key_hex", key));
                            } catch (java.io.IOException e) {
                                throw new java.io.UncheckedIOException(e);
                            }
                        }, callers));
                    }
                    // the lookups are under way: each waits on the silent peer, on no thread of ours
                    ApiServer api = d.apiServer().orElseThrow();
                    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10))
                            .until(() -> api.runningOperations() >= slow);
                    assertThat(lookups).noneMatch(CompletableFuture::isDone);
                    assertThat(Thread.getAllStackTraces().keySet().stream()
                            .filter(t -> t.getName().startsWith("kad-api")).filter(ApiConcurrencyTest::isWaitingOnAnOperation)
                            .count())
                            .as("API threads waiting on an operation").isZero();
                    long t0 = System.nanoTime();
                    ApiClient.Response status = client.get("/v1/status");
                    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
                    assertThat(status.status()).isEqualTo(200);
                    // not a timing assertion on speed: it must not wait for the lookups (seconds each)
                    assertThat(lookups).as("status answered after %d ms, before the lookups", ms)
                            .noneMatch(CompletableFuture::isDone);
                } finally {
                    callers.shutdownNow();
                }
            }
        } finally {
            for (Socket s : held) {
                s.close();
            }
        }
    }

    /** Whether {@code t} waits in a future's get or join (an operation's result), not idle in its pool. */
    private static boolean isWaitingOnAnOperation(Thread t) {
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().equals(CompletableFuture.class.getName())
                    && (e.getMethodName().equals("get") || e.getMethodName().equals("join")
                    || e.getMethodName().equals("waitingGet") || e.getMethodName().equals("timedGet"))) {
                return true;
            }
        }
        return false;
    }
}
