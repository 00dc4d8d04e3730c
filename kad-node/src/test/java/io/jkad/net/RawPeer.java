package io.jkad.net;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.util.Varint;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * A libp2p dialer driven by hand on a plain blocking socket, for tests that misbehave on purpose:
 * every step (multistream-select, the Noise handshake and its payload, Yamux frames, the bytes of
 * a stream) is written by the test, so any of them can be wrong. Built from the host's own Noise
 * primitives ({@link NoiseHandshake}, {@link CipherState}); everything else is written here. Test code.
 *
 * <p>Before {@link #handshake} the bytes go to the socket as they are; after it they are Noise
 * transport messages. Reads block for at most the socket timeout (5 s by default).
 */
final class RawPeer implements AutoCloseable {

    static final String MULTISTREAM = "/multistream/1.0.0";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** Makes the handshake payload from our identity and our static Noise key (raw). */
    interface PayloadMaker {
        byte[] payload(Ed25519KeyPair identity, byte[] staticPublicKey);
    }

    /** The payload an honest peer sends. */
    static final PayloadMaker HONEST = NoiseHandler::payload;

    /** One Yamux frame as read. */
    record Frame(int type, int flags, int streamId, long length, byte[] body) {
        boolean has(int flag) {
            return (flags & flag) != 0;
        }
    }

    /** What arrived on one Yamux stream so far. */
    static final class StreamState {
        private final ByteArrayOutputStream data = new ByteArrayOutputStream();
        private int read;
        boolean syn;
        boolean ack;
        boolean fin;
        boolean rst;

        int available() {
            return data.size() - read;
        }

        private byte[] bytes() {
            return data.toByteArray();
        }
    }

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private CipherState sender;
    private CipherState receiver;
    private byte[] plain = new byte[0];
    private int plainPos;
    private final Map<Integer, StreamState> streams = new HashMap<>();
    private int nextStreamId = 1;
    private Integer goAwayCode;
    private boolean eof;

    private RawPeer(Socket socket) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
    }

    /** Opens a TCP connection to {@code address} ({@code /ip4/…/tcp/…}). */
    static RawPeer connect(Multiaddr address) throws IOException {
        InetSocketAddress sa = address.toTcpSocketAddress().orElseThrow();
        Socket s = new Socket();
        s.setTcpNoDelay(true);
        s.connect(sa, 5_000);
        s.setSoTimeout(5_000);
        return new RawPeer(s);
    }

    /**
     * Connects, selects {@code /noise}, runs an honest handshake as {@code identity}, and selects
     * {@code /yamux/1.0.0}: ready for {@link #frame} and the stream helpers.
     */
    static RawPeer connectMuxed(Multiaddr address, Ed25519KeyPair identity) throws Exception {
        RawPeer p = connect(address);
        p.selectRaw("/noise");
        p.handshake(identity, HONEST);
        p.select(YamuxHandler.PROTOCOL_ID);
        return p;
    }

    void soTimeout(Duration timeout) throws SocketException {
        socket.setSoTimeout((int) timeout.toMillis());
    }

    // ---- bytes ---------------------------------------------------------------------------

    /** Writes {@code bytes} on the socket as they are (no Noise framing, even after the handshake). */
    void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    /** Writes {@code bytes} through the secure channel (after the handshake) or raw (before it). */
    void write(byte[] bytes) throws IOException {
        if (sender == null) {
            writeRaw(bytes);
            return;
        }
        ByteArrayOutputStream wire = new ByteArrayOutputStream();
        int pos = 0;
        do {
            int n = Math.min(NoiseHandler.MAX_PLAINTEXT, bytes.length - pos);
            byte[] c;
            try {
                c = sender.encrypt(new byte[0], Arrays.copyOfRange(bytes, pos, pos + n));
            } catch (GeneralSecurityException e) {
                throw new IOException(e);
            }
            wire.write(c.length >>> 8);
            wire.write(c.length);
            wire.write(c, 0, c.length);
            pos += n;
        } while (pos < bytes.length);
        writeRaw(wire.toByteArray());
    }

    private int readRawByte() throws IOException {
        int b = in.read();
        if (b < 0) {
            eof = true;
            throw new EOFException("the remote closed the connection");
        }
        return b;
    }

    private byte[] readRawExactly(int n) throws IOException {
        byte[] b = in.readNBytes(n);
        if (b.length < n) {
            eof = true;
            throw new EOFException("the remote closed the connection after " + b.length + " of " + n + " bytes");
        }
        return b;
    }

    /** Reads exactly {@code n} bytes from the secure channel (decrypting Noise frames as needed), or raw. */
    byte[] read(int n) throws IOException {
        if (receiver == null) {
            return readRawExactly(n);
        }
        while (plain.length - plainPos < n) {
            int len = (readRawByte() << 8) | readRawByte();
            byte[] frame = readRawExactly(len);
            byte[] p;
            try {
                p = receiver.decrypt(new byte[0], frame);
            } catch (GeneralSecurityException e) {
                throw new IOException("cannot decrypt a Noise frame from the remote: " + e, e);
            }
            byte[] joined = Arrays.copyOf(Arrays.copyOfRange(plain, plainPos, plain.length),
                    plain.length - plainPos + p.length);
            System.arraycopy(p, 0, joined, plain.length - plainPos, p.length);
            plain = joined;
            plainPos = 0;
        }
        byte[] r = Arrays.copyOfRange(plain, plainPos, plainPos + n);
        plainPos += n;
        return r;
    }

    private int read1() throws IOException {
        return read(1)[0] & 0xFF;
    }

    /**
     * Whether the remote closes the connection within {@code timeout}: reads (and drops) whatever
     * comes until end of stream or a reset. False if the connection is still open afterwards.
     */
    boolean closedWithin(Duration timeout) throws IOException {
        if (eof) {
            return true;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        int old = socket.getSoTimeout();
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                try {
                    if (in.read() < 0) {
                        eof = true;
                        return true;
                    }
                    in.skip(in.available());
                } catch (SocketTimeoutException e) {
                    return false;
                } catch (SocketException e) {
                    eof = true;
                    return true; // reset by the remote
                }
            }
            return false;
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
    }

    // ---- multistream-select --------------------------------------------------------------

    /** One multistream message: {@code uvarint(len) || text || '\n'}. */
    static byte[] message(String text) {
        byte[] t = (text + "\n").getBytes(StandardCharsets.UTF_8);
        byte[] len = Varint.encode(t.length);
        byte[] m = Arrays.copyOf(len, len.length + t.length);
        System.arraycopy(t, 0, m, len.length, t.length);
        return m;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            b.write(p, 0, p.length);
        }
        return b.toByteArray();
    }

    /** Reads one multistream message (without its newline) from the channel. */
    String readMessage() throws IOException {
        long len = 0;
        for (int shift = 0; ; shift += 7) {
            int b = read1();
            len |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        byte[] t = read((int) len);
        return new String(t, 0, t.length - 1, StandardCharsets.UTF_8);
    }

    /** Sends the header and {@code protocol} in one write; returns the remote's two answers (header, then echo or {@code na}). */
    String[] propose(String protocol) throws IOException {
        write(concat(message(MULTISTREAM), message(protocol)));
        return new String[] {readMessage(), readMessage()};
    }

    /**
     * Selects {@code protocol} on the raw socket or the secure channel.
     *
     * @throws IOException if the remote refuses it
     */
    void select(String protocol) throws IOException {
        String[] answer = propose(protocol);
        if (!MULTISTREAM.equals(answer[0]) || !protocol.equals(answer[1])) {
            throw new IOException("the remote did not accept " + protocol + ": " + Arrays.toString(answer));
        }
    }

    /** {@link #select} before the handshake (the same thing; named for readability). */
    void selectRaw(String protocol) throws IOException {
        select(protocol);
    }

    // ---- Noise ----------------------------------------------------------------------------

    /**
     * Runs the Noise XX handshake as the initiator, sending {@code maker}'s payload in message 3.
     *
     * @return the responder's peer id (its payload is checked as the host checks it)
     */
    PeerId handshake(Ed25519KeyPair identity, PayloadMaker maker) throws Exception {
        X25519.KeyPair staticKey = X25519.generate(RANDOM);
        NoiseHandshake hs = new NoiseHandshake(true, staticKey, new byte[0], () -> X25519.generate(RANDOM));
        writeHandshake(hs.writeMessage(new byte[0]));
        int len = (readRawByte() << 8) | readRawByte();
        byte[] payload = hs.readMessage(readRawExactly(len));
        PeerId remote = NoiseHandler.verifyPayload(payload, hs.remoteStatic(), null, identity.peerId());
        writeHandshake(hs.writeMessage(maker.payload(identity, staticKey.publicKey())));
        CipherState[] c = hs.transportCiphers();
        sender = c[0];
        receiver = c[1];
        return remote;
    }

    private void writeHandshake(byte[] message) throws IOException {
        writeRaw(concat(new byte[] {(byte) (message.length >>> 8), (byte) message.length}, message));
    }

    // ---- Yamux ----------------------------------------------------------------------------

    /** Writes one Yamux frame; {@code body} (may be null) follows the 12-byte header. */
    void frame(int type, int flags, int streamId, long length, byte[] body) throws IOException {
        ByteBuffer h = ByteBuffer.allocate(YamuxHandler.HEADER_LENGTH + (body == null ? 0 : body.length));
        h.put((byte) 0).put((byte) type).putShort((short) flags).putInt(streamId).putInt((int) length);
        if (body != null) {
            h.put(body);
        }
        write(h.array());
    }

    /** Writes a data frame on {@code streamId} carrying {@code body}. */
    void data(int streamId, int flags, byte[] body) throws IOException {
        frame(YamuxHandler.TYPE_DATA, flags, streamId, body.length, body);
    }

    /** Reads the next Yamux frame and records it in its stream's state (pings are recorded too, not answered). */
    Frame readFrame() throws IOException {
        byte[] h = read(YamuxHandler.HEADER_LENGTH);
        ByteBuffer b = ByteBuffer.wrap(h);
        b.get(); // version
        int type = b.get() & 0xFF;
        int flags = b.getShort() & 0xFFFF;
        int id = b.getInt();
        long length = b.getInt() & 0xFFFF_FFFFL;
        byte[] body = type == YamuxHandler.TYPE_DATA ? read((int) length) : new byte[0];
        Frame f = new Frame(type, flags, id, length, body);
        if (type == YamuxHandler.TYPE_GO_AWAY) {
            goAwayCode = (int) length;
        } else if (type == YamuxHandler.TYPE_DATA || type == YamuxHandler.TYPE_WINDOW_UPDATE) {
            StreamState s = streams.computeIfAbsent(id, k -> new StreamState());
            s.data.write(body, 0, body.length);
            s.syn |= f.has(YamuxHandler.FLAG_SYN);
            s.ack |= f.has(YamuxHandler.FLAG_ACK);
            s.fin |= f.has(YamuxHandler.FLAG_FIN);
            s.rst |= f.has(YamuxHandler.FLAG_RST);
        }
        return f;
    }

    /** The Go Away code received so far, or null. */
    Integer goAwayCode() {
        return goAwayCode;
    }

    StreamState stream(int id) {
        return streams.computeIfAbsent(id, k -> new StreamState());
    }

    /** Reads frames until {@code id} has a reset or FIN, or at least {@code bytes} unread data bytes. */
    StreamState awaitStream(int id, int bytes) throws IOException {
        StreamState s = stream(id);
        while (!s.rst && !s.fin && s.available() < bytes) {
            readFrame();
        }
        return s;
    }

    /** Reads one multistream message from stream {@code id}. */
    String readStreamMessage(int id) throws IOException {
        long len = 0;
        int shift = 0;
        while (true) {
            StreamState s = awaitStream(id, 1);
            if (s.available() < 1) {
                throw new EOFException("stream " + id + " ended (" + (s.rst ? "reset" : "FIN") + ")");
            }
            int b = s.bytes()[s.read++] & 0xFF;
            len |= (long) (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        byte[] body = readStreamBytes(id, (int) len);
        return new String(body, 0, body.length - 1, StandardCharsets.UTF_8);
    }

    /** Reads one uvarint-length-prefixed frame (a Kademlia message) from stream {@code id}. */
    byte[] readStreamFrame(int id) throws IOException {
        long len = 0;
        int shift = 0;
        while (true) {
            StreamState s = awaitStream(id, 1);
            if (s.available() < 1) {
                throw new EOFException("stream " + id + " ended (" + (s.rst ? "reset" : "FIN") + ")");
            }
            int b = s.bytes()[s.read++] & 0xFF;
            len |= (long) (b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) {
                break;
            }
        }
        return readStreamBytes(id, (int) len);
    }

    private byte[] readStreamBytes(int id, int n) throws IOException {
        StreamState s = awaitStream(id, n);
        if (s.available() < n) {
            throw new EOFException("stream " + id + " ended (" + (s.rst ? "reset" : "FIN") + ") with "
                    + s.available() + " of " + n + " bytes");
        }
        byte[] all = s.bytes();
        byte[] r = Arrays.copyOfRange(all, s.read, s.read + n);
        s.read += n;
        return r;
    }

    /** Reads frames until stream {@code id} is reset; false if it ends otherwise or the read times out. */
    boolean awaitReset(int id) throws IOException {
        StreamState s = stream(id);
        try {
            while (!s.rst) {
                readFrame();
            }
            return true;
        } catch (SocketTimeoutException e) {
            return false;
        }
    }

    /** The next stream id of ours (odd: we dialed). */
    int newStreamId() {
        int id = nextStreamId;
        nextStreamId += 2;
        return id;
    }

    /**
     * Opens a stream lazily: SYN, the multistream header, {@code protocol} and {@code payload}
     * (may be empty) in one data frame, without waiting for the echo (as go's lazy mode does).
     *
     * @return the stream id
     */
    int openLazy(String protocol, byte[] payload) throws IOException {
        int id = newStreamId();
        data(id, YamuxHandler.FLAG_SYN, concat(message(MULTISTREAM), message(protocol), payload));
        return id;
    }

    /** A uvarint-length-prefixed message, as Kademlia frames them. */
    static byte[] lengthPrefixed(byte[] message) {
        return concat(Varint.encode(message.length), message);
    }

    // ---- send windows (for floods that respect them) ----------------------------------------

    private final Map<Integer, Long> sendWindows = new HashMap<>();

    /**
     * Sends up to {@code max} zero bytes on {@code id} as data frames, no more than the window the
     * remote has granted (256 KiB at the start, less a margin for what {@link #openLazy} sent;
     * grants are learnt by {@link #pollFrames}).
     *
     * @return the bytes sent
     */
    int sendWithinWindow(int id, int max) throws IOException {
        long window = sendWindows.computeIfAbsent(id, k -> (long) YamuxConfig.INITIAL_WINDOW - 1024);
        int n = (int) Math.min(max, window);
        if (n <= 0) {
            return 0;
        }
        data(id, 0, new byte[n]);
        sendWindows.put(id, window - n);
        return n;
    }

    /**
     * Reads frames for up to {@code time} (or until the socket's timeout), recording window
     * updates for {@link #sendWithinWindow}; never answers anything.
     *
     * @return the frames read
     */
    int pollFrames(Duration time) throws IOException {
        int old = socket.getSoTimeout();
        long deadline = System.nanoTime() + time.toNanos();
        int n = 0;
        try {
            while (System.nanoTime() < deadline) {
                socket.setSoTimeout((int) Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                Frame f;
                try {
                    f = readFrame();
                } catch (SocketTimeoutException e) {
                    break;
                }
                n++;
                if (f.type() == YamuxHandler.TYPE_WINDOW_UPDATE && !f.has(YamuxHandler.FLAG_RST)) {
                    sendWindows.merge(f.streamId(), f.length(), Long::sum);
                }
            }
        } finally {
            if (!socket.isClosed()) {
                socket.setSoTimeout(old);
            }
        }
        return n;
    }

    /** Whether the remote has reset stream {@code id} (as read so far). */
    boolean isReset(int id) {
        return stream(id).rst;
    }

    /** Whether the remote has closed its side of stream {@code id} (as read so far). */
    boolean isFinished(int id) {
        return stream(id).fin;
    }

    /** Unread data bytes of stream {@code id}. */
    int available(int id) {
        return stream(id).available();
    }

    // ---- admission (hostile sources on other loopback addresses) ---------------------------

    /**
     * Opens a TCP connection to {@code address} from {@code localIp} (any of 127/8 on Linux, so
     * that tests can be several sources: another IP, another /24).
     */
    static RawPeer connectFrom(String localIp, Multiaddr address) throws IOException {
        InetSocketAddress sa = address.toTcpSocketAddress().orElseThrow();
        Socket s = new Socket();
        try {
            s.setTcpNoDelay(true);
            s.bind(new InetSocketAddress(localIp, 0));
            s.connect(sa, 5_000);
            s.setSoTimeout(5_000);
        } catch (IOException e) {
            s.close();
            throw e;
        }
        return new RawPeer(s);
    }

    /** {@link #connectMuxed} from {@code localIp}. */
    static RawPeer connectMuxedFrom(String localIp, Multiaddr address, Ed25519KeyPair identity) throws Exception {
        RawPeer p = connectFrom(localIp, address);
        try {
            p.selectRaw("/noise");
            p.handshake(identity, HONEST);
            p.select(YamuxHandler.PROTOCOL_ID);
            return p;
        } catch (Exception e) {
            p.close();
            throw e;
        }
    }

    /**
     * Starts a Noise handshake and abandons it, as a flood does: the multistream header,
     * {@code /noise} and Noise message 1 in one write, without waiting for the echo.
     *
     * @return whether the remote answered with (the length of) Noise message 2, that is did the
     *     handshake work; false if it closed or reset the connection first
     */
    boolean noiseMessage1AndWait() throws IOException, GeneralSecurityException {
        NoiseHandshake hs = new NoiseHandshake(true, X25519.generate(RANDOM), new byte[0], () -> X25519.generate(RANDOM));
        byte[] m1 = hs.writeMessage(new byte[0]);
        try {
            writeRaw(concat(message(MULTISTREAM), message("/noise"),
                    new byte[] {(byte) (m1.length >>> 8), (byte) m1.length}, m1));
            readRawExactly(message(MULTISTREAM).length + message("/noise").length + 2);
            return true;
        } catch (SocketException | EOFException e) {
            return false;
        }
    }

    /** Closes with a reset (SO_LINGER 0): a flooding client leaves no TIME_WAIT behind on either side. */
    void abort() throws IOException {
        if (!socket.isClosed()) {
            socket.setSoLinger(true, 0);
            socket.close();
        }
    }

    /** Reads exactly {@code n} data bytes of stream {@code id} (a ping echo). */
    byte[] readStreamData(int id, int n) throws IOException {
        return readStreamBytes(id, n);
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
