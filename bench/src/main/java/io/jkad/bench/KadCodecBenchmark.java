package io.jkad.bench;

import com.google.protobuf.ByteString;
import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadProtocolException;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.protocol.pb.DhtProto;
import io.jkad.record.RecordKey;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Decoding issue 11's hostile FIND_NODE answer: 110,000 peers (distinct 34-byte peer ids, no
 * addresses) in 4 MiB, as the codec reads it now (the first k = 20 peers, the rest skipped
 * undecoded: {@code boundedK}) and as it read it before (every peer decoded:
 * {@code unboundedEveryPeer}, the same codec with no peer cap), with protobuf-java's plain
 * {@code parseFrom} of the whole message ({@code protobufParseFrom}) for reference.
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar KadCodecBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class KadCodecBenchmark {

    private static final int PEERS = 110_000;
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    private static final KadRequest REQUEST = new KadRequest.FindNode(RecordKey.ofUtf8("target"));

    private final KadCodec bounded = KadCodec.defaults();
    private final KadCodec unbounded = KadCodec.defaults().withMaxPeersPerList(Integer.MAX_VALUE);
    private byte[] answer;

    @Setup
    public void setUp() {
        Random random = new Random(11);
        ByteArrayOutputStream buf = new ByteArrayOutputStream(PEERS * 40);
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        try {
            out.writeEnum(DhtProto.Message.TYPE_FIELD_NUMBER, DhtProto.Message.MessageType.FIND_NODE_VALUE);
            for (int i = 0; i < PEERS; i++) {
                byte[] id = new byte[34]; // a SHA-256 multihash: an RSA key's peer id
                random.nextBytes(id);
                id[0] = 0x12;
                id[1] = 0x20;
                out.writeByteArray(DhtProto.Message.CLOSERPEERS_FIELD_NUMBER,
                        DhtProto.Message.Peer.newBuilder().setId(ByteString.copyFrom(id)).build().toByteArray());
            }
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        answer = buf.toByteArray();
        if (answer.length > KadCodec.DEFAULT_MAX_MESSAGE_SIZE) {
            throw new IllegalStateException("answer of " + answer.length + " bytes is over 4 MiB");
        }
    }

    @Benchmark
    public KadResponse boundedK() throws KadProtocolException {
        return bounded.decodeResponse(answer, REQUEST, NOW);
    }

    @Benchmark
    public KadResponse unboundedEveryPeer() throws KadProtocolException {
        return unbounded.decodeResponse(answer, REQUEST, NOW);
    }

    @Benchmark
    public DhtProto.Message protobufParseFrom() throws InvalidProtocolBufferException {
        return DhtProto.Message.parseFrom(answer);
    }
}
