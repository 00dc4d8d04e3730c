package io.jkad.net;

import io.jkad.identity.PeerKeys;
import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.net.pb.NoiseProto.NoiseHandshakePayload;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

class NoiseHandlerTest {

    private static final SecureRandom RANDOM = new SecureRandom();

    static final class Recorder implements NoiseHandler.Listener {
        PeerId remote;
        HandshakeException failure;
        final ByteBuf received = Unpooled.buffer();

        @Override
        public void secured(ChannelHandlerContext ctx, PeerId remote) {
            this.remote = remote;
            ctx.pipeline().addAfter(ctx.name(), "collector", new ChannelInboundHandlerAdapter() {
                @Override
                public void channelRead(ChannelHandlerContext c, Object msg) {
                    ByteBuf b = (ByteBuf) msg;
                    received.writeBytes(b);
                    b.release();
                }
            });
        }

        @Override
        public void failed(ChannelHandlerContext ctx, HandshakeException cause) {
            failure = cause;
            ctx.close();
        }
    }

    /** Moves bytes between two channels until both are quiet, cut into pieces of {@code piece} bytes. */
    static void pump(EmbeddedChannel a, EmbeddedChannel b, int piece) {
        boolean moved = true;
        while (moved) {
            moved = move(a, b, piece) | move(b, a, piece);
        }
    }

    private static boolean move(EmbeddedChannel from, EmbeddedChannel to, int piece) {
        from.runPendingTasks(); // Yamux flushes outside a read in a task of the event loop
        boolean any = false;
        ByteBuf buf;
        while ((buf = from.readOutbound()) != null) {
            any = true;
            while (buf.isReadable()) {
                ByteBuf part = buf.readRetainedSlice(Math.min(piece, buf.readableBytes()));
                if (to.isOpen()) {
                    to.writeInbound(part);
                } else {
                    part.release();
                }
            }
            buf.release();
        }
        return any;
    }

    @Test
    void handshakeAuthenticatesBothSidesAndCarriesDataBothWays() {
        for (int piece : new int[] {1, 3, 100, 70000}) {
            Ed25519KeyPair alice = Ed25519KeyPair.generate();
            Ed25519KeyPair bob = Ed25519KeyPair.generate();
            Recorder ar = new Recorder();
            Recorder br = new Recorder();
            EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(true, alice, bob.peerId(), ar));
            EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, bob, null, br));
            pump(a, b, piece);
            assertThat(ar.failure).isNull();
            assertThat(br.failure).isNull();
            assertThat(ar.remote).isEqualTo(bob.peerId());
            assertThat(br.remote).isEqualTo(alice.peerId());

            byte[] big = new byte[200_000];
            new Random(piece).nextBytes(big);
            a.writeAndFlush(Unpooled.wrappedBuffer(big));
            b.writeAndFlush(Unpooled.copiedBuffer("pong", StandardCharsets.UTF_8));
            // Frames never exceed 65535 bytes on the wire.
            ByteBuf wire = a.readOutbound();
            int frames = 0;
            while (wire.isReadable()) {
                int len = wire.getUnsignedShort(wire.readerIndex());
                assertThat(len).isLessThanOrEqualTo(65535);
                frames++;
                wire.skipBytes(2 + len);
            }
            assertThat(frames).isEqualTo(4);
            wire.readerIndex(0);
            b.writeInbound(wire);
            pump(a, b, piece);
            byte[] got = new byte[br.received.readableBytes()];
            br.received.readBytes(got);
            assertThat(got).isEqualTo(big);
            assertThat(ar.received.toString(StandardCharsets.UTF_8)).isEqualTo("pong");
            assertThat(a.finishAndReleaseAll()).isFalse();
            assertThat(b.finishAndReleaseAll()).isFalse();
            ar.received.release();
            br.received.release();
        }
    }

    @Test
    void initiatorFramesMessageOneWithTheVectorEphemeralKey() {
        byte[] initStatic = new byte[32];
        byte[] initEphemeral = new byte[32];
        for (int i = 0; i < 32; i++) {
            initStatic[i] = (byte) i;
            initEphemeral[i] = (byte) (0x20 + i);
        }
        NoiseHandshake hs = new NoiseHandshake(true, X25519.fromPrivate(initStatic), new byte[0],
                () -> X25519.fromPrivate(initEphemeral));
        EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(hs, Ed25519KeyPair.generate(), null, new Recorder()));
        ByteBuf msg = a.readOutbound();
        byte[] bytes = new byte[msg.readableBytes()];
        msg.readBytes(bytes);
        msg.release();
        assertThat(HexFormat.of().formatHex(bytes))
                .isEqualTo("0020358072d6365880d1aeea329adf9121383851ed21a28e3b75e965d0d2cd166254");
        a.finishAndReleaseAll();
    }

    @Test
    void remoteWithAnotherPeerIdThanDialedIsRefused() {
        Ed25519KeyPair alice = Ed25519KeyPair.generate();
        Ed25519KeyPair bob = Ed25519KeyPair.generate();
        PeerId someoneElse = Ed25519KeyPair.generate().peerId();
        Recorder ar = new Recorder();
        Recorder br = new Recorder();
        EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(true, alice, someoneElse, ar));
        EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, bob, null, br));
        pump(a, b, 1000);
        assertThat(ar.remote).isNull();
        assertThat(ar.failure).hasMessageContaining("dialed " + someoneElse).hasMessageContaining(bob.peerId().toString());
        assertThat(a.isOpen()).isFalse();
        assertThat(br.remote).isNull();
        a.finishAndReleaseAll();
        b.finishAndReleaseAll();
        ar.received.release();
        br.received.release();
    }

    /** A responder that signs some other static key than the one it uses. */
    @Test
    void badIdentitySignatureIsRefused() throws Exception {
        Ed25519KeyPair alice = Ed25519KeyPair.generate();
        Ed25519KeyPair mallory = Ed25519KeyPair.generate();
        Recorder ar = new Recorder();
        EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(true, alice, null, ar));
        NoiseHandshake evil = new NoiseHandshake(false, X25519.generate(RANDOM), new byte[0], () -> X25519.generate(RANDOM));
        ByteBuf m1 = a.readOutbound();
        m1.skipBytes(2);
        byte[] b1 = new byte[m1.readableBytes()];
        m1.readBytes(b1);
        m1.release();
        evil.readMessage(b1);
        byte[] otherStatic = X25519.generate(RANDOM).publicKey();
        byte[] payload = NoiseHandler.payload(mallory, otherStatic);
        byte[] m2 = evil.writeMessage(payload);
        ByteBuf frame = Unpooled.buffer();
        frame.writeShort(m2.length).writeBytes(m2);
        a.writeInbound(frame);
        assertThat(ar.failure).hasMessageContaining("bad identity signature");
        assertThat(a.isOpen()).isFalse();
        a.finishAndReleaseAll();
        ar.received.release();
    }

    @Test
    void payloadWithoutSignatureIsRefused() throws Exception {
        Ed25519KeyPair alice = Ed25519KeyPair.generate();
        Recorder ar = new Recorder();
        EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(true, alice, null, ar));
        NoiseHandshake evil = new NoiseHandshake(false, X25519.generate(RANDOM), new byte[0], () -> X25519.generate(RANDOM));
        ByteBuf m1 = a.readOutbound();
        m1.skipBytes(2);
        byte[] b1 = new byte[m1.readableBytes()];
        m1.readBytes(b1);
        m1.release();
        evil.readMessage(b1);
        byte[] payload = NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(Ed25519KeyPair.generate().publicKey().encodeProtobuf()))
                .build().toByteArray();
        byte[] m2 = evil.writeMessage(payload);
        ByteBuf frame = Unpooled.buffer();
        frame.writeShort(m2.length).writeBytes(m2);
        a.writeInbound(frame);
        assertThat(ar.failure).hasMessageContaining("lacks identity_sig");
        a.finishAndReleaseAll();
        ar.received.release();
    }

    /**
     * A test-side initiator with a non-Ed25519 libp2p identity (jkad's own identity is always
     * Ed25519): drives the XX handshake by hand against a jkad responder and returns its recorder.
     */
    private static Recorder handshakeAsInitiator(Ed25519KeyPair responder, LibP2pTestKeys.Signer identity,
                                                 boolean signTheRightKey) throws Exception {
        Recorder br = new Recorder();
        EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, responder, null, br));
        X25519.KeyPair initStatic = X25519.generate(RANDOM);
        NoiseHandshake init = new NoiseHandshake(true, initStatic, new byte[0], () -> X25519.generate(RANDOM));
        byte[] m1 = init.writeMessage(new byte[0]);
        b.writeInbound(Unpooled.buffer().writeShort(m1.length).writeBytes(m1));
        ByteBuf m2 = b.readOutbound();
        m2.skipBytes(2);
        byte[] b2 = new byte[m2.readableBytes()];
        m2.readBytes(b2);
        m2.release();
        byte[] responderPayload = init.readMessage(b2);
        assertThat(NoiseHandler.verifyPayload(responderPayload, init.remoteStatic(), responder.peerId(), null))
                .isEqualTo(responder.peerId());
        byte[] signed = signTheRightKey ? initStatic.publicKey() : X25519.generate(RANDOM).publicKey();
        byte[] payload = NoiseHandshakePayload.newBuilder()
                .setIdentityKey(ByteString.copyFrom(identity.publicKeyProtobuf()))
                .setIdentitySig(ByteString.copyFrom(identity.sign(NoiseHandler.signedData(signed))))
                .build().toByteArray();
        byte[] m3 = init.writeMessage(payload);
        b.writeInbound(Unpooled.buffer().writeShort(m3.length).writeBytes(m3));
        if (br.failure != null) {
            assertThat(b.isOpen()).isFalse();
        }
        b.finishAndReleaseAll();
        br.received.release();
        return br;
    }

    @Test
    void initiatorsWithSecp256k1EcdsaOrRsaIdentitiesAreAuthenticated() throws Exception {
        Ed25519KeyPair bob = Ed25519KeyPair.generate();
        LibP2pTestKeys.Signer[] identities = {
            LibP2pTestKeys.secp256k1(LibP2pTestKeys.specSecp256k1Scalar(), false),
            LibP2pTestKeys.secp256k1(),
            LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.generate("EC", "secp256r1")),
            LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.generate("EC", "secp384r1")),
            LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, LibP2pTestKeys.generate("RSA", 2048)),
        };
        for (LibP2pTestKeys.Signer identity : identities) {
            PeerId expected = PeerKeys.decode(identity.publicKeyProtobuf()).peerId();
            Recorder br = handshakeAsInitiator(bob, identity, true);
            assertThat(br.failure).isNull();
            assertThat(br.remote).isEqualTo(expected);
        }
        assertThat(PeerKeys.decode(identities[0].publicKeyProtobuf()).peerId())
                .isEqualTo(PeerId.parse("16Uiu2HAmLhLvBoYaoZfaMUKuibM6ac163GwKY74c5kiSLg5KvLpY"));

        // The same identities signing another static key are refused.
        for (LibP2pTestKeys.Signer identity : identities) {
            Recorder br = handshakeAsInitiator(bob, identity, false);
            assertThat(br.remote).isNull();
            assertThat(br.failure).hasMessageContaining("bad identity signature");
        }
    }

    @Test
    void initiatorWithAMalformedSecp256k1PointOrAWeakRsaKeyIsRefusedCleanly() throws Exception {
        Ed25519KeyPair bob = Ed25519KeyPair.generate();
        LibP2pTestKeys.Signer good = LibP2pTestKeys.secp256k1();
        byte[] point = LibP2pTestKeys.data(good.publicKeyProtobuf());
        point[0] = 0x05;
        LibP2pTestKeys.Signer badPoint = LibP2pTestKeys.withKey(
                LibP2pTestKeys.keyProtobuf(PeerKeys.TYPE_SECP256K1, point), good);
        Recorder br = handshakeAsInitiator(bob, badPoint, true);
        assertThat(br.remote).isNull();
        assertThat(br.failure).hasMessageContaining("bad remote identity key: malformed secp256k1 public key");

        LibP2pTestKeys.Signer weak = LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, LibP2pTestKeys.generate("RSA", 1024));
        br = handshakeAsInitiator(bob, weak, true);
        assertThat(br.remote).isNull();
        assertThat(br.failure).hasMessageContaining("bad remote identity key: RSA public key of 1024 bits refused");
    }

    @Test
    void truncatedMessageOneIsRefused() {
        Recorder br = new Recorder();
        EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, Ed25519KeyPair.generate(), null, br));
        ByteBuf frame = Unpooled.buffer();
        frame.writeShort(10).writeBytes(new byte[10]);
        b.writeInbound(frame);
        assertThat(br.failure).hasMessageContaining("too short");
        assertThat(b.isOpen()).isFalse();
        b.finishAndReleaseAll();
        br.received.release();
    }

    @Test
    void partialFrameWaitsAndClosingMidHandshakeFails() {
        Recorder br = new Recorder();
        EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, Ed25519KeyPair.generate(), null, br));
        ByteBuf frame = Unpooled.buffer();
        frame.writeShort(32).writeBytes(new byte[5]);
        b.writeInbound(frame);
        assertThat(br.failure).isNull();
        assertThat(b.<Object>readOutbound()).isNull();
        b.close();
        assertThat(br.failure).hasMessageContaining("closed during the Noise handshake");
        b.finishAndReleaseAll();
        br.received.release();
    }

    @Test
    void tamperedOrShortTransportFramesCloseTheConnection() {
        for (boolean shortFrame : new boolean[] {false, true}) {
            Ed25519KeyPair alice = Ed25519KeyPair.generate();
            Ed25519KeyPair bob = Ed25519KeyPair.generate();
            Recorder ar = new Recorder();
            Recorder br = new Recorder();
            EmbeddedChannel a = new EmbeddedChannel(new NoiseHandler(true, alice, null, ar));
            EmbeddedChannel b = new EmbeddedChannel(new NoiseHandler(false, bob, null, br));
            pump(a, b, 1000);
            assertThat(br.remote).isEqualTo(alice.peerId());
            ByteBuf bad;
            if (shortFrame) {
                bad = Unpooled.buffer().writeShort(3).writeBytes(new byte[3]);
            } else {
                a.writeAndFlush(Unpooled.copiedBuffer("secret", StandardCharsets.UTF_8));
                bad = a.readOutbound();
                bad.setByte(bad.writerIndex() - 1, bad.getByte(bad.writerIndex() - 1) ^ 0x01);
            }
            b.writeInbound(bad);
            assertThat(br.failure).hasMessageContaining(shortFrame ? "shorter than its tag" : "decryption failed");
            assertThat(br.received.readableBytes()).isZero();
            assertThat(b.isOpen()).isFalse();
            a.finishAndReleaseAll();
            b.finishAndReleaseAll();
            ar.received.release();
            br.received.release();
        }
    }

    /**
     * Checklist §10.1: the payload's identity_key is the PublicKey protobuf ({@code 08 01 12 20} and
     * the raw key), and identity_sig signs "noise-libp2p-static-key:" followed by the raw
     * (little-endian) static X25519 key.
     */
    @Test
    void payloadCarriesTheKeyProtobufAndSignsTheDomainAndTheStaticKey() throws Exception {
        Ed25519KeyPair identity = Ed25519KeyPair.generate();
        X25519.KeyPair staticKey = X25519.generate(RANDOM);
        NoiseHandshakePayload p = NoiseHandshakePayload.parseFrom(NoiseHandler.payload(identity, staticKey.publicKey()));
        byte[] key = p.getIdentityKey().toByteArray();
        assertThat(HexFormat.of().formatHex(key, 0, 4)).isEqualTo("08011220");
        assertThat(key).hasSize(36);
        assertThat(java.util.Arrays.copyOfRange(key, 4, 36)).isEqualTo(identity.publicKey().raw());
        byte[] signed = new byte[24 + 32];
        System.arraycopy("noise-libp2p-static-key:".getBytes(StandardCharsets.UTF_8), 0, signed, 0, 24);
        System.arraycopy(staticKey.publicKey(), 0, signed, 24, 32);
        assertThat(identity.publicKey().verify(signed, p.getIdentitySig().toByteArray())).isTrue();
        // The key in the payload is the little-endian u-coordinate: the one DH uses.
        X25519.KeyPair other = X25519.generate(RANDOM);
        assertThat(X25519.dh(other.privateKey(), staticKey.publicKey()))
                .isEqualTo(X25519.dh(staticKey.privateKey(), other.publicKey()));
        assertThat(NoiseHandler.verifyPayload(p.toByteArray(), staticKey.publicKey(), identity.peerId(),
                Ed25519KeyPair.generate().peerId())).isEqualTo(identity.peerId());
    }
}
