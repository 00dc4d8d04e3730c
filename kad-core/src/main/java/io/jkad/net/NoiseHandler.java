package io.jkad.net;

import io.jkad.identity.PeerKeys;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.net.pb.NoiseProto.NoiseHandshakePayload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandler;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.util.ReferenceCountUtil;
import java.net.SocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * libp2p Noise ({@code /noise}) on one connection: runs the XX handshake with the libp2p payload,
 * then encrypts what is written through it and decrypts what arrives.
 *
 * <p>Every message is framed with a 2-byte big-endian length (at most 65535 bytes). Handshake:
 * message 1 carries only the initiator's ephemeral key; the responder's identity payload rides in
 * message 2 and the initiator's in message 3. A payload is {@code NoiseHandshakePayload} with the
 * identity {@code PublicKey} protobuf and a signature over {@code "noise-libp2p-static-key:"}
 * followed by the sender's static X25519 key; the remote's signature is verified against the
 * static key learned in the handshake, and when an expected peer id is given a different identity
 * is refused. The static key is fresh for every connection, unless the host reuses one
 * ({@link HostConfig#reuseNoiseStaticKey()}, a {@link StaticKey}).
 *
 * <p>Transport: outbound buffers are collected until {@code flush()} and then encrypted in frames
 * of at most 65519 plaintext bytes. The collection never holds more than one frame's plaintext
 * (or {@value #MAX_PENDING_WRITES} writes): past that it is encrypted and written on at once,
 * without a flush, so what waits for the socket is in the channel's outbound buffer, where it
 * counts for the channel's writability (and the Yamux session above stops reading while it is
 * full) instead of in a queue nobody sees. Any authentication failure closes the connection (through
 * {@link Listener#failed}). Not sharable.
 */
final class NoiseHandler extends ByteToMessageDecoder implements ChannelOutboundHandler {

    static final String PROTOCOL_ID = "/noise";
    static final byte[] STATIC_KEY_DOMAIN = "noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8);
    static final int MAX_FRAME_LENGTH = 65535;
    static final int MAX_PLAINTEXT = MAX_FRAME_LENGTH - CipherState.TAG_LENGTH;
    /** Writes collected before they are encrypted without waiting for a flush (small frames: Yamux headers). */
    static final int MAX_PENDING_WRITES = 1024;

    private static final Logger LOG = LoggerFactory.getLogger(NoiseHandler.class);

    /** Told how the handshake ended; called on the channel's event loop. */
    interface Listener {
        /**
         * The handshake is done and transport encryption is on. Add the next handlers after
         * {@code ctx.name()}; transport data already received is decrypted and passed to them
         * right after this returns.
         */
        void secured(ChannelHandlerContext ctx, PeerId remote) throws Exception;

        /** The handshake or the transport failed; the connection must be closed. Called at most once. */
        void failed(ChannelHandlerContext ctx, HandshakeException cause);
    }

    private enum State { HANDSHAKE, TRANSPORT, FAILED }

    /**
     * A static key made once and signed once, for every connection of a host that reuses it
     * ({@link HostConfig#reuseNoiseStaticKey()}).
     */
    record StaticKey(X25519.KeyPair keyPair, byte[] payload) {
        static StaticKey create(Ed25519KeyPair identity) {
            X25519.KeyPair kp = X25519.generate();
            return new StaticKey(kp, NoiseHandler.payload(identity, kp.publicKey()));
        }
    }

    private final NoiseHandshake handshake;
    private final Ed25519KeyPair identity;
    /** Our signed payload when the static key is reused; null: signed for this connection's key. */
    private final byte[] ownPayload;
    private final PeerId expectedRemote;
    private final Listener listener;
    private final ArrayDeque<Object> pending = new ArrayDeque<>(); // ByteBuf, ChannelPromise pairs
    private long pendingBytes;

    private State state = State.HANDSHAKE;
    private boolean started;
    private PeerId remotePeer;
    private CipherState sender;
    private CipherState receiver;

    /**
     * @param initiator whether we dialed the connection
     * @param identity our identity key
     * @param expectedRemote the peer we dialed, or null to accept any authenticated peer
     */
    NoiseHandler(boolean initiator, Ed25519KeyPair identity, PeerId expectedRemote, Listener listener) {
        this(new NoiseHandshake(initiator, X25519.generate(), new byte[0], X25519::generate),
                identity, expectedRemote, listener);
    }

    /** With the host's reused static key (see {@link StaticKey}). */
    NoiseHandler(boolean initiator, Ed25519KeyPair identity, StaticKey staticKey, PeerId expectedRemote,
                 Listener listener) {
        this(new NoiseHandshake(initiator, staticKey.keyPair(), new byte[0], X25519::generate),
                identity, staticKey.payload(), expectedRemote, listener);
    }

    /** With a given handshake state (tests inject keys this way). */
    NoiseHandler(NoiseHandshake handshake, Ed25519KeyPair identity, PeerId expectedRemote, Listener listener) {
        this(handshake, identity, null, expectedRemote, listener);
    }

    /** Signatures verified already, shared by the hosts of a runtime (null: none). */
    private VerifiedSignatures verified;

    /** Skips verifying a remote's signature that {@code cache} holds already (set before the handshake starts). */
    NoiseHandler verifiedSignatures(VerifiedSignatures cache) {
        this.verified = cache;
        return this;
    }

    private NoiseHandler(NoiseHandshake handshake, Ed25519KeyPair identity, byte[] ownPayload, PeerId expectedRemote,
                         Listener listener) {
        this.handshake = Objects.requireNonNull(handshake, "handshake");
        this.identity = Objects.requireNonNull(identity, "identity");
        this.ownPayload = ownPayload;
        this.expectedRemote = expectedRemote;
        this.listener = Objects.requireNonNull(listener, "listener");
    }

    /** The authenticated remote, once the handshake is done. */
    PeerId remotePeer() {
        return remotePeer;
    }

    /** Our signed payload for the current static key. */
    static byte[] payload(Ed25519KeyPair identity, byte[] staticPublicKey) {
        return NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(identity.publicKey().encodeProtobuf()))
                .setIdentitySig(ByteString.copyFrom(identity.sign(signedData(staticPublicKey))))
                .build()
                .toByteArray();
    }

    private byte[] ownPayload() {
        return ownPayload != null ? ownPayload : payload(identity, handshake.localStaticPublic());
    }

    static byte[] signedData(byte[] staticPublicKey) {
        byte[] data = new byte[STATIC_KEY_DOMAIN.length + staticPublicKey.length];
        System.arraycopy(STATIC_KEY_DOMAIN, 0, data, 0, STATIC_KEY_DOMAIN.length);
        System.arraycopy(staticPublicKey, 0, data, STATIC_KEY_DOMAIN.length, staticPublicKey.length);
        return data;
    }

    /**
     * Checks a remote payload against the remote static key.
     *
     * @return the remote's peer id
     * @throws HandshakeException if the payload is malformed, the key unsupported, the signature
     *     bad, the peer is us, or it is not the expected peer
     */
    static PeerId verifyPayload(byte[] payload, byte[] remoteStatic, PeerId expected, PeerId self)
            throws HandshakeException {
        return verifyPayload(payload, remoteStatic, expected, self, null);
    }

    /**
     * As {@link #verifyPayload(byte[], byte[], PeerId, PeerId)}, skipping the key's decoding and
     * the signature check when {@code verified} (a shared runtime's, may be null) holds these exact
     * bytes already.
     */
    static PeerId verifyPayload(byte[] payload, byte[] remoteStatic, PeerId expected, PeerId self,
                                VerifiedSignatures verified) throws HandshakeException {
        NoiseHandshakePayload p;
        try {
            p = NoiseHandshakePayload.parseFrom(payload);
        } catch (InvalidProtocolBufferException e) {
            throw new HandshakeException("malformed Noise handshake payload: " + e.getMessage(), e);
        }
        if (!p.hasIdentityKey() || !p.hasIdentitySig()) {
            throw new HandshakeException("Noise handshake payload lacks "
                    + (p.hasIdentityKey() ? "identity_sig" : "identity_key"));
        }
        byte[] identityKey = p.getIdentityKey().toByteArray();
        byte[] signature = p.getIdentitySig().toByteArray();
        ByteBuffer cacheKey = verified == null ? null : VerifiedSignatures.key(identityKey, signature, remoteStatic);
        PeerId known = cacheKey == null ? null : verified.get(cacheKey);
        if (known != null) {
            checkRemote(known, expected, self);
            return known;
        }
        PeerKeys.RemoteKey key;
        try {
            key = PeerKeys.decode(identityKey);
        } catch (IllegalArgumentException e) {
            throw new HandshakeException("bad remote identity key: " + e.getMessage(), e);
        }
        PeerId remote = key.peerId();
        checkRemote(remote, expected, self);
        if (!key.verify(signedData(remoteStatic), signature)) {
            throw new HandshakeException("bad identity signature over the Noise static key from " + remote);
        }
        if (cacheKey != null) {
            verified.add(cacheKey, remote);
        }
        return remote;
    }

    private static void checkRemote(PeerId remote, PeerId expected, PeerId self) throws HandshakeException {
        if (expected != null && !expected.equals(remote)) {
            throw new HandshakeException("dialed " + expected + " but the remote is " + remote);
        }
        if (remote.equals(self)) {
            throw new HandshakeException("the remote has our own peer id " + self);
        }
    }

    // --- lifecycle ---

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        if (ctx.channel().isActive()) {
            start(ctx);
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        start(ctx);
        super.channelActive(ctx);
    }

    private void start(ChannelHandlerContext ctx) {
        if (started) {
            return;
        }
        started = true;
        if (handshake.isInitiator()) {
            try {
                writeHandshake(ctx, handshake.writeMessage(new byte[0]));
            } catch (GeneralSecurityException e) {
                fail(ctx, new HandshakeException("could not write Noise message 1: " + e.getMessage(), e));
            }
        }
    }

    // --- inbound ---

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (state != State.FAILED && in.readableBytes() >= 2) {
            int length = in.getUnsignedShort(in.readerIndex());
            if (in.readableBytes() < 2 + length) {
                return;
            }
            in.skipBytes(2);
            if (state == State.HANDSHAKE) {
                byte[] message = new byte[length];
                in.readBytes(message);
                try {
                    onHandshakeMessage(ctx, message);
                } catch (HandshakeException e) {
                    fail(ctx, e);
                } catch (Exception e) {
                    fail(ctx, new HandshakeException("setting up after the Noise handshake failed: " + e, e));
                }
            } else {
                ByteBuf plain = decrypt(ctx, in, length);
                if (plain != null) {
                    out.add(plain);
                }
            }
        }
        if (state == State.FAILED) {
            in.skipBytes(in.readableBytes());
        }
    }

    private void onHandshakeMessage(ChannelHandlerContext ctx, byte[] message) throws Exception {
        byte[] payload;
        try {
            payload = handshake.readMessage(message);
        } catch (GeneralSecurityException | IllegalStateException e) {
            throw new HandshakeException("bad Noise handshake message: " + e.getMessage(), e);
        }
        if (handshake.isInitiator()) {
            // Read message 2: the responder's identity.
            remotePeer = verifyPayload(payload, handshake.remoteStatic(), expectedRemote, identity.peerId(), verified);
            byte[] msg3;
            try {
                msg3 = handshake.writeMessage(ownPayload());
            } catch (GeneralSecurityException e) {
                throw new HandshakeException("could not write Noise message 3: " + e.getMessage(), e);
            }
            writeHandshake(ctx, msg3);
            secured(ctx);
        } else if (!handshake.isComplete()) {
            // Read message 1; answer with message 2 and our identity.
            if (payload.length != 0) {
                LOG.debug("ignoring a {}-byte payload in Noise message 1 from {}", payload.length, ctx.channel());
            }
            byte[] msg2;
            try {
                msg2 = handshake.writeMessage(ownPayload());
            } catch (GeneralSecurityException e) {
                throw new HandshakeException("could not write Noise message 2: " + e.getMessage(), e);
            }
            writeHandshake(ctx, msg2);
        } else {
            // Read message 3: the initiator's identity.
            remotePeer = verifyPayload(payload, handshake.remoteStatic(), expectedRemote, identity.peerId(), verified);
            secured(ctx);
        }
    }

    private void secured(ChannelHandlerContext ctx) throws Exception {
        CipherState[] ciphers = handshake.transportCiphers();
        sender = ciphers[0];
        receiver = ciphers[1];
        state = State.TRANSPORT;
        listener.secured(ctx, remotePeer);
    }

    private void writeHandshake(ChannelHandlerContext ctx, byte[] message) {
        ByteBuf frame = ctx.alloc().buffer(2 + message.length);
        frame.writeShort(message.length);
        frame.writeBytes(message);
        ctx.writeAndFlush(frame).addListener(f -> {
            if (!f.isSuccess()) {
                fail(ctx, new HandshakeException("could not write a Noise handshake message", f.cause()));
            }
        });
    }

    private ByteBuf decrypt(ChannelHandlerContext ctx, ByteBuf in, int length) {
        if (length < CipherState.TAG_LENGTH) {
            in.skipBytes(length);
            fail(ctx, new HandshakeException("Noise transport frame shorter than its tag: " + length + " bytes"));
            return null;
        }
        ByteBuf plain = buffer(ctx, receiver, length - CipherState.TAG_LENGTH);
        try {
            ByteBuffer src = in.nioBuffer(in.readerIndex(), length);
            ByteBuffer dst = plain.nioBuffer(0, length - CipherState.TAG_LENGTH);
            int n = receiver.decrypt(src, dst);
            plain.writerIndex(n);
            in.skipBytes(length);
            return plain;
        } catch (GeneralSecurityException | RuntimeException e) {
            plain.release();
            in.skipBytes(length);
            fail(ctx, new HandshakeException("Noise transport decryption failed: " + e, e));
            return null;
        }
    }

    private void fail(ChannelHandlerContext ctx, HandshakeException cause) {
        if (state == State.FAILED) {
            return;
        }
        state = State.FAILED;
        failPending(cause);
        LOG.debug("Noise failed on {}: {}", ctx.channel(), cause.getMessage());
        listener.failed(ctx, cause);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (state == State.HANDSHAKE) {
            fail(ctx, new HandshakeException("connection closed during the Noise handshake",
                    new ClosedChannelException()));
        }
        if (!pending.isEmpty()) {
            failPending(new ClosedChannelException());
        }
        super.channelInactive(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (!pending.isEmpty()) {
            failPending(new ClosedChannelException());
        }
    }

    // --- outbound ---

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ByteBuf)) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalArgumentException("Noise carries ByteBufs only: " + msg.getClass().getName()));
            return;
        }
        if (state != State.TRANSPORT) {
            ReferenceCountUtil.release(msg);
            promise.setFailure(new IllegalStateException("Noise transport is not ready (" + state + ")"));
            return;
        }
        pending.add(msg);
        pending.add(promise);
        pendingBytes += ((ByteBuf) msg).readableBytes();
        if (pendingBytes >= MAX_PLAINTEXT || pending.size() >= 2 * MAX_PENDING_WRITES) {
            encryptPending(ctx);
        }
    }

    /** Plaintext bytes collected and not yet encrypted (tests). */
    long pendingBytes() {
        return pendingBytes;
    }

    @Override
    public void flush(ChannelHandlerContext ctx) {
        if (state == State.TRANSPORT && !pending.isEmpty()) {
            encryptPending(ctx);
        }
        ctx.flush();
    }

    private void encryptPending(ChannelHandlerContext ctx) {
        pendingBytes = 0;
        CompositeByteBuf plain = ctx.alloc().compositeBuffer(Math.max(2, pending.size() / 2));
        List<ChannelPromise> promises = new ArrayList<>(pending.size() / 2);
        while (!pending.isEmpty()) {
            plain.addComponent(true, (ByteBuf) pending.poll());
            ChannelPromise p = (ChannelPromise) pending.poll();
            if (!p.isVoid()) {
                promises.add(p);
            }
        }
        int total = plain.readableBytes();
        int frames = Math.max(1, (total + MAX_PLAINTEXT - 1) / MAX_PLAINTEXT);
        ByteBuf wire = buffer(ctx, sender, total + frames * (2 + CipherState.TAG_LENGTH));
        // each frame's plaintext is copied into one buffer of the cipher's kind: a frame spanning
        // several writes would otherwise be merged into a new heap buffer, and then copied again
        ByteBuf frame = total == 0 ? null : buffer(ctx, sender, Math.min(total, MAX_PLAINTEXT));
        try {
            while (plain.isReadable()) {
                int n = Math.min(MAX_PLAINTEXT, plain.readableBytes());
                wire.writeShort(n + CipherState.TAG_LENGTH);
                frame.clear();
                plain.readBytes(frame, n);
                ByteBuffer src = frame.nioBuffer(0, n);
                ByteBuffer dst = wire.nioBuffer(wire.writerIndex(), n + CipherState.TAG_LENGTH);
                int written = sender.encrypt(src, dst);
                wire.writerIndex(wire.writerIndex() + written);
            }
        } catch (GeneralSecurityException | RuntimeException e) {
            wire.release();
            plain.release();
            if (frame != null) {
                frame.release();
            }
            HandshakeException cause = new HandshakeException("Noise encryption failed: " + e, e);
            for (ChannelPromise p : promises) {
                p.tryFailure(cause);
            }
            fail(ctx, cause);
            return;
        }
        plain.release();
        if (frame != null) {
            frame.release();
        }
        if (total == 0) {
            wire.release();
            for (ChannelPromise p : promises) {
                p.trySuccess();
            }
            return;
        }
        if (promises.isEmpty()) {
            ctx.write(wire, ctx.voidPromise());
        } else {
            ChannelFuture f = ctx.write(wire);
            f.addListener(done -> {
                for (ChannelPromise p : promises) {
                    if (done.isSuccess()) {
                        p.trySuccess();
                    } else {
                        p.tryFailure(done.cause());
                    }
                }
            });
        }
    }

    /** A buffer of the kind {@code cipher} seals in place: direct for BoringSSL's, heap for the JDK's. */
    private static ByteBuf buffer(ChannelHandlerContext ctx, CipherState cipher, int capacity) {
        return cipher.wantsDirectBuffers() ? ctx.alloc().directBuffer(capacity) : ctx.alloc().heapBuffer(capacity);
    }

    private void failPending(Throwable cause) {
        pendingBytes = 0;
        while (!pending.isEmpty()) {
            ReferenceCountUtil.release(pending.poll());
            ((ChannelPromise) pending.poll()).tryFailure(cause);
        }
    }

    @Override
    public void bind(ChannelHandlerContext ctx, SocketAddress localAddress, ChannelPromise promise) {
        ctx.bind(localAddress, promise);
    }

    @Override
    public void connect(ChannelHandlerContext ctx, SocketAddress remoteAddress, SocketAddress localAddress,
                        ChannelPromise promise) {
        ctx.connect(remoteAddress, localAddress, promise);
    }

    @Override
    public void disconnect(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.disconnect(promise);
    }

    @Override
    public void close(ChannelHandlerContext ctx, ChannelPromise promise) {
        if (state == State.TRANSPORT && !pending.isEmpty()) {
            encryptPending(ctx);
            ctx.flush();
        }
        ctx.close(promise);
    }

    @Override
    public void deregister(ChannelHandlerContext ctx, ChannelPromise promise) {
        ctx.deregister(promise);
    }

    @Override
    public void read(ChannelHandlerContext ctx) {
        ctx.read();
    }
}
