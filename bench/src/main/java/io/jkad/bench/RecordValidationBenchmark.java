package io.jkad.bench;

import com.google.protobuf.CodedOutputStream;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.record.RecordKey;
import io.jkad.validation.IpnsRecord;
import io.jkad.validation.IpnsValidator;
import io.jkad.validation.PkValidator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * What validating a record costs the node (it runs on the logic thread for every PUT_VALUE, every
 * copy a GET_VALUE answer brings and every record served): an IPNS record with an Ed25519 name
 * ({@code ipnsEd25519}) against the bare signature check it contains ({@code ed25519VerifyAlone},
 * the baseline: the rest is parsing the protobuf and the CBOR; {@code ed25519VerifyJdk} is the same
 * check with the JDK's provider, which jkad used before), the same for an RSA-2048 record
 * with its key embedded ({@code ipnsRsa} against {@code rsaVerifyAlone}), choosing the best of
 * four records ({@code ipnsSelectOfFour}) and a {@code /pk/} record ({@code pkEd25519}).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar RecordValidationBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class RecordValidationBenchmark {

    private static final Instant NOW = Instant.parse("2030-01-01T00:00:00Z");
    private static final byte[] VALUE = "/ipfs/bafkqaddwgevxmmraojswg33smq".getBytes(StandardCharsets.UTF_8);

    private final IpnsValidator ipns = new IpnsValidator();
    private final PkValidator pk = new PkValidator();
    private Ed25519KeyPair ed;
    private RecordKey edKey;
    private byte[] edRecord;
    private byte[] edSigned;
    private byte[] edSignature;
    private java.security.PublicKey edJdk;
    private RecordKey rsaKey;
    private byte[] rsaRecord;
    private KeyPair rsa;
    private byte[] rsaSignature;
    private List<byte[]> four;
    private RecordKey pkKey;
    private byte[] pkValue;

    @Setup
    public void setUp() throws GeneralSecurityException {
        ed = Ed25519KeyPair.generate();
        edKey = IpnsRecord.keyOf(ed.peerId());
        edRecord = record(ed, 5, NOW.plus(Duration.ofHours(48)));
        edSigned = ("ipns-signature:" + "x".repeat(150)).getBytes(StandardCharsets.US_ASCII);
        edSignature = ed.sign(edSigned);
        byte[] spki = new byte[44];
        System.arraycopy(new byte[] {0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00}, 0, spki, 0, 12);
        System.arraycopy(ed.publicKey().raw(), 0, spki, 12, 32);
        edJdk = java.security.KeyFactory.getInstance("Ed25519").generatePublic(new java.security.spec.X509EncodedKeySpec(spki));
        four = new ArrayList<>();
        for (int seq : new int[] {3, 7, 5, 7}) {
            four.add(record(ed, seq, NOW.plus(Duration.ofHours(seq))));
        }

        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        rsa = g.generateKeyPair();
        byte[] rsaProtobuf = keyProtobuf(PeerKeys.TYPE_RSA, rsa.getPublic().getEncoded());
        rsaKey = IpnsRecord.keyOf(PeerKeys.decode(rsaProtobuf).peerId());
        rsaRecord = IpnsRecord.create(rsaProtobuf, this::rsaSign, true, VALUE, 5, NOW.plus(Duration.ofHours(48)),
                Duration.ofMinutes(5), true);
        rsaSignature = rsaSign(edSigned);

        pkValue = ed.publicKey().encodeProtobuf();
        pkKey = PkValidator.keyOf(PeerId.fromPublicKey(ed.publicKey()));
        if (!ipns.validate(edKey, edRecord, NOW).isValid() || !ipns.validate(rsaKey, rsaRecord, NOW).isValid()
                || !pk.validate(pkKey, pkValue, NOW).isValid()) {
            throw new IllegalStateException("the benchmark's records must be valid");
        }
    }

    private static byte[] record(Ed25519KeyPair key, long sequence, Instant validity) {
        return IpnsRecord.create(key.publicKey().encodeProtobuf(), key::sign, false, VALUE, sequence, validity,
                Duration.ofMinutes(5), true);
    }

    private byte[] rsaSign(byte[] data) {
        try {
            Signature s = Signature.getInstance("SHA256withRSA");
            s.initSign(rsa.getPrivate());
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A libp2p {@code PublicKey} protobuf: Type (field 1), Data (field 2). */
    private static byte[] keyProtobuf(int type, byte[] data) {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        CodedOutputStream out = CodedOutputStream.newInstance(buf);
        try {
            out.writeEnum(1, type);
            out.writeByteArray(2, data);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buf.toByteArray();
    }

    @Benchmark
    public boolean ipnsEd25519() {
        return ipns.validate(edKey, edRecord, NOW).isValid();
    }

    @Benchmark
    public boolean ed25519VerifyAlone() {
        return ed.publicKey().verify(edSigned, edSignature);
    }

    /**
     * The same check with the JDK's Ed25519 provider, which jkad used before (it now verifies with
     * BouncyCastle's lightweight API, {@code ed25519VerifyAlone}).
     */
    @Benchmark
    public boolean ed25519VerifyJdk() throws GeneralSecurityException {
        Signature s = Signature.getInstance("Ed25519");
        s.initVerify(edJdk);
        s.update(edSigned);
        return s.verify(edSignature);
    }

    @Benchmark
    public boolean ipnsRsa() {
        return ipns.validate(rsaKey, rsaRecord, NOW).isValid();
    }

    @Benchmark
    public boolean rsaVerifyAlone() throws GeneralSecurityException {
        Signature s = Signature.getInstance("SHA256withRSA");
        s.initVerify(rsa.getPublic());
        s.update(edSigned);
        return s.verify(rsaSignature);
    }

    @Benchmark
    public int ipnsSelectOfFour() {
        return ipns.select(edKey, four);
    }

    @Benchmark
    public boolean pkEd25519() {
        return pk.validate(pkKey, pkValue, NOW).isValid();
    }
}
