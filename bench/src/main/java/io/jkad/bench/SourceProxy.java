package io.jkad.bench;

import io.jkad.multiaddr.Multiaddr;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback forwarder that makes a {@link io.jkad.net.Host} in this JVM reach the target from
 * another source address: the host dials {@link #address()} (127.0.0.1, an ephemeral port), and
 * each connection it opens is carried on to the target by a socket bound to {@code source} (any
 * 127.0.0.0/8 address is local on Linux). The target's admission control thus sees each proxy
 * as a peer of its own IP, while the host still runs the whole real handshake (Noise is end to
 * end, the proxy only copies bytes).
 *
 * <p>Blocking copies with small buffers, one thread per direction, so back-pressure passes
 * through: a host that stops reading makes the proxy stop reading from the target.
 * {@link #stopReadingFromTarget()} goes further: the target's bytes are no longer read at all,
 * as from a peer that never reads its socket.
 */
final class SourceProxy implements AutoCloseable {

    private final InetAddress source;
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private volatile boolean readFromTarget = true;
    private volatile boolean closed;

    SourceProxy(String sourceIp, Multiaddr target) throws IOException {
        this.source = InetAddress.getByName(sourceIp);
        this.target = target.toTcpSocketAddress().orElseThrow();
        this.server = new ServerSocket(0, 16, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::acceptLoop, "proxy-" + sourceIp);
        accept.setDaemon(true);
        accept.start();
    }

    /** What the host dials instead of the target. */
    Multiaddr address() {
        return Multiaddr.parse("/ip4/127.0.0.1/tcp/" + server.getLocalPort());
    }

    /** From now on nothing the target sends is read. */
    void stopReadingFromTarget() {
        readFromTarget = false;
    }

    /** Reading the target again (for the next connection). */
    void readFromTargetAgain() {
        readFromTarget = true;
    }

    private void acceptLoop() {
        while (!closed) {
            Socket in;
            try {
                in = server.accept();
            } catch (IOException e) {
                return;
            }
            Socket out = new Socket();
            try {
                in.setTcpNoDelay(true);
                out.setTcpNoDelay(true);
                out.bind(new InetSocketAddress(source, 0));
                out.connect(target, 5000);
            } catch (IOException e) {
                closeQuietly(in);
                closeQuietly(out);
                continue;
            }
            sockets.add(in);
            sockets.add(out);
            pump(in, out, false);
            pump(out, in, true);
        }
    }

    private void pump(Socket from, Socket to, boolean fromTarget) {
        Thread t = new Thread(() -> {
            byte[] buf = new byte[16 * 1024];
            try {
                InputStream is = from.getInputStream();
                OutputStream os = to.getOutputStream();
                while (!closed) {
                    if (fromTarget && !readFromTarget) {
                        if (from.isClosed() || to.isClosed()) {
                            break;
                        }
                        Thread.sleep(50); // a peer that never reads: the target's bytes stay in its buffers
                        continue;
                    }
                    int n = is.read(buf);
                    if (n < 0) {
                        break;
                    }
                    os.write(buf, 0, n);
                }
            } catch (IOException | InterruptedException e) {
                // one side closed
            } finally {
                closeQuietly(from);
                closeQuietly(to);
                sockets.remove(from);
                sockets.remove(to);
            }
        }, "proxy-pump");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void close() {
        closed = true;
        closeQuietly(server);
        for (Socket s : sockets) {
            closeQuietly(s);
        }
    }

    private static void closeQuietly(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }
}
