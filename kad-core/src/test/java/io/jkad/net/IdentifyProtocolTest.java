package io.jkad.net;

import io.jkad.identity.PeerKeys;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.pb.IdentifyProto.Identify;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class IdentifyProtocolTest {

    private final Ed25519KeyPair key = Ed25519KeyPair.generate();
    private final List<Identify> received = new ArrayList<>();
    private final List<Throwable> failures = new ArrayList<>();

    private EmbeddedChannel reader() {
        return new EmbeddedChannel(new UvarintFrameDecoder(IdentifyProtocol.MAX_PART),
                new IdentifyProtocol.ReaderHandler(Duration.ofSeconds(5), received::add, failures::add));
    }

    private static ByteBuf framed(Identify m) {
        byte[] body = m.toByteArray();
        ByteBuf b = Unpooled.buffer();
        ByteBufVarints.write(b, body.length);
        b.writeBytes(body);
        return b;
    }

    @Test
    void messageCarriesOurFieldsAndStaysUnder4KiB() {
        Multiaddr observed = Multiaddr.parse("/ip4/10.1.2.3/tcp/4001");
        List<Multiaddr> few = List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/4001"));
        Identify m = IdentifyProtocol.message(key, "jkad/test", few, observed, List.of("/ipfs/id/1.0.0", "/ipfs/kad/1.0.0"));
        assertThat(m.getProtocolVersion()).isEqualTo("ipfs/0.1.0");
        assertThat(m.getAgentVersion()).isEqualTo("jkad/test");
        assertThat(m.getPublicKey().toByteArray()).isEqualTo(key.publicKey().encodeProtobuf());
        assertThat(m.getListenAddrsList()).extracting(bs -> Multiaddr.fromBytes(bs.toByteArray())).containsExactlyElementsOf(few);
        assertThat(Multiaddr.fromBytes(m.getObservedAddr().toByteArray())).isEqualTo(observed);
        assertThat(m.getProtocolsList()).containsExactly("/ipfs/id/1.0.0", "/ipfs/kad/1.0.0");

        List<Multiaddr> many = new ArrayList<>();
        for (int i = 0; i < 500; i++) {
            many.add(Multiaddr.parse("/ip6/2001:db8::" + Integer.toHexString(i + 1) + "/tcp/" + (4000 + i)));
        }
        Identify trimmed = IdentifyProtocol.message(key, "jkad/test", many, observed, List.of("/ipfs/id/1.0.0"));
        int size = trimmed.getSerializedSize();
        assertThat(size + ByteBufVarints.size(size)).isLessThan(IdentifyProtocol.MAX_SEND);
        assertThat(trimmed.getListenAddrsCount()).isBetween(1, 499);
        assertThat(Multiaddr.fromBytes(trimmed.getListenAddrs(0).toByteArray())).isEqualTo(many.get(0));
    }

    @Test
    void readerMergesPartsUntilTheRemoteHalfCloses() {
        EmbeddedChannel ch = reader();
        Identify part1 = Identify.newBuilder().setAgentVersion("go-libp2p/0.36").addProtocols("/a")
                .addListenAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/1.2.3.4/tcp/1").toBytes())).build();
        Identify part2 = Identify.newBuilder().addProtocols("/b").setSignedPeerRecord(ByteString.copyFromUtf8("x")).build();
        ByteBuf both = Unpooled.wrappedBuffer(framed(part1), framed(part2));
        // Awkward pieces.
        while (both.isReadable()) {
            ch.writeInbound(both.readRetainedSlice(Math.min(5, both.readableBytes())));
        }
        both.release();
        assertThat(received).isEmpty();
        ch.pipeline().fireUserEventTriggered(ChannelInputShutdownEvent.INSTANCE);
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getProtocolsList()).containsExactly("/a", "/b");
        assertThat(received.get(0).getAgentVersion()).isEqualTo("go-libp2p/0.36");
        assertThat(received.get(0).getListenAddrsCount()).isEqualTo(1);
        assertThat(ch.isOpen()).isFalse();
        assertThat(failures).isEmpty();
        ch.finishAndReleaseAll();
    }

    @Test
    void readerStopsAtTenParts() {
        EmbeddedChannel ch = reader();
        for (int i = 0; i < 12 && ch.isOpen(); i++) {
            ch.writeInbound(framed(Identify.newBuilder().addProtocols("/p" + i).build()));
        }
        assertThat(received).hasSize(1);
        assertThat(received.get(0).getProtocolsCount()).isEqualTo(10);
        ch.finishAndReleaseAll();
    }

    @Test
    void readerTimesOutWithWhatItHasOrFailsWithNothing() {
        EmbeddedChannel ch = reader();
        ch.writeInbound(framed(Identify.newBuilder().setAgentVersion("slow").build()));
        ch.advanceTimeBy(5, TimeUnit.SECONDS);
        ch.runScheduledPendingTasks();
        assertThat(received).extracting(Identify::getAgentVersion).containsExactly("slow");
        ch.finishAndReleaseAll();

        EmbeddedChannel empty = reader();
        empty.advanceTimeBy(5, TimeUnit.SECONDS);
        empty.runScheduledPendingTasks();
        assertThat(received).hasSize(1);
        assertThat(failures).singleElement().asString().contains("timed out");
        assertThat(empty.isOpen()).isFalse();
        empty.finishAndReleaseAll();
    }

    @Test
    void oversizedOrMalformedPartsFail() {
        EmbeddedChannel big = reader();
        ByteBuf prefix = Unpooled.buffer();
        ByteBufVarints.write(prefix, IdentifyProtocol.MAX_PART + 1);
        big.writeInbound(prefix);
        assertThat(big.isOpen()).isFalse();
        assertThat(failures).hasSize(1);
        big.finishAndReleaseAll();

        EmbeddedChannel bad = reader();
        bad.writeInbound(Unpooled.wrappedBuffer(new byte[] {3, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF}));
        assertThat(failures).hasSize(2);
        assertThat(failures.get(1)).hasMessageContaining("malformed identify");
        assertThat(received).isEmpty();
        bad.finishAndReleaseAll();
    }

    @Test
    void infoChecksThePublicKeyAndSkipsUnknownAddresses() {
        PeerId remote = key.peerId();
        byte[] unknown = {(byte) 0xC2, (byte) 0xFC, 0x01, 0x00}; // an unassigned multicodec
        Identify m = Identify.newBuilder()
                .setPublicKey(ByteString.copyFrom(key.publicKey().encodeProtobuf()))
                .setAgentVersion("rust-libp2p/0.54")
                .addListenAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/1.2.3.4/tcp/1").toBytes()))
                .addListenAddrs(ByteString.copyFrom(unknown))
                .addListenAddrs(ByteString.copyFrom(Multiaddr.parse("/ip4/1.2.3.5/tcp/1").withPeerId(remote).toBytes()))
                .setObservedAddr(ByteString.copyFrom(Multiaddr.parse("/ip4/9.9.9.9/tcp/9").toBytes()))
                .addProtocols("/ipfs/kad/1.0.0")
                .build();
        IdentifyInfo info = IdentifyProtocol.toInfo(m, remote, null);
        assertThat(info.listenAddresses()).containsExactly(Multiaddr.parse("/ip4/1.2.3.4/tcp/1"),
                Multiaddr.parse("/ip4/1.2.3.5/tcp/1"));
        assertThat(info.observedAddress()).contains(Multiaddr.parse("/ip4/9.9.9.9/tcp/9"));
        assertThat(info.supports("/ipfs/kad/1.0.0")).isTrue();
        assertThat(info.protocolVersion()).isEmpty();

        PeerId other = Ed25519KeyPair.generate().peerId();
        assertThatThrownBy(() -> IdentifyProtocol.toInfo(m, other, null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(other.toString());
    }

    @Test
    void infoAcceptsTheKeysOfEveryLibp2pTypeAndRefusesMalformedOnes() {
        LibP2pTestKeys.Signer[] identities = {
            LibP2pTestKeys.secp256k1(),
            LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.generate("EC", "secp256r1")),
            LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, LibP2pTestKeys.generate("RSA", 2048)),
        };
        for (LibP2pTestKeys.Signer identity : identities) {
            PeerId remote = PeerKeys.decode(identity.publicKeyProtobuf()).peerId();
            Identify m = Identify.newBuilder().setPublicKey(ByteString.copyFrom(identity.publicKeyProtobuf()))
                    .addProtocols("/ipfs/kad/1.0.0").build();
            assertThat(IdentifyProtocol.toInfo(m, remote, null).supports("/ipfs/kad/1.0.0")).isTrue();
        }
        byte[] point = LibP2pTestKeys.data(identities[0].publicKeyProtobuf());
        point[0] = 0x05;
        byte[] bad = LibP2pTestKeys.keyProtobuf(PeerKeys.TYPE_SECP256K1, point);
        Identify m = Identify.newBuilder().setPublicKey(ByteString.copyFrom(bad)).build();
        assertThatThrownBy(() -> IdentifyProtocol.toInfo(m, key.peerId(), null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("malformed secp256k1 public key");
    }

    @Test
    void pushKeepsWhatItDoesNotMention() {
        PeerId remote = key.peerId();
        IdentifyInfo before = new IdentifyInfo(remote, "ipfs/0.1.0", "agent/1",
                List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/1")), Optional.empty(), List.of("/a"));
        IdentifyInfo after = IdentifyProtocol.toInfo(Identify.newBuilder().addProtocols("/a").addProtocols("/b").build(),
                remote, before);
        assertThat(after.protocols()).containsExactly("/a", "/b");
        assertThat(after.agentVersion()).isEqualTo("agent/1");
        assertThat(after.listenAddresses()).isEqualTo(before.listenAddresses());
    }

    /** Issue 11: an Identify of 7,400 addresses (ten 8 KiB parts' worth). */
    @Test
    void infoTakesAtMostTheFirstMaxListenAddresses() {
        Identify.Builder b = Identify.newBuilder();
        List<Multiaddr> sent = new ArrayList<>();
        for (int i = 0; i < 7_400; i++) {
            Multiaddr a = Multiaddr.parse("/ip4/10.0." + (i >> 8) + "." + (i & 0xFF) + "/tcp/4001");
            sent.add(a);
            b.addListenAddrs(ByteString.copyFrom(a.toBytes()));
        }
        IdentifyInfo info = IdentifyProtocol.toInfo(b.build(), key.peerId(), null);
        assertThat(info.listenAddresses()).containsExactlyElementsOf(sent.subList(0, IdentifyProtocol.MAX_LISTEN_ADDRESSES));
        assertThat(IdentifyProtocol.MAX_LISTEN_ADDRESSES).isEqualTo(32);
    }

    @Test
    void pushLimiterTakesABurstThenOnePerSecond() {
        long[] now = {1_000_000_000L};
        IdentifyPushLimiter limiter = new IdentifyPushLimiter(() -> now[0]);
        for (int i = 0; i < IdentifyPushLimiter.BURST; i++) {
            assertThat(limiter.tryAcquire("peer")).isTrue();
        }
        for (int i = 0; i < 57; i++) {
            assertThat(limiter.tryAcquire("peer")).isFalse();
        }
        assertThat(limiter.dropped()).isEqualTo(57);
        now[0] += TimeUnit.MILLISECONDS.toNanos(999);
        assertThat(limiter.tryAcquire("peer")).isFalse();
        now[0] += TimeUnit.MILLISECONDS.toNanos(1);
        assertThat(limiter.tryAcquire("peer")).isTrue();
        assertThat(limiter.tryAcquire("peer")).isFalse();
        // a quiet hour refills the burst, no more
        now[0] += TimeUnit.HOURS.toNanos(1);
        for (int i = 0; i < IdentifyPushLimiter.BURST; i++) {
            assertThat(limiter.tryAcquire("peer")).isTrue();
        }
        assertThat(limiter.tryAcquire("peer")).isFalse();
    }
}
