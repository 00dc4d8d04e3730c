package io.jkad.net;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The crypto a new connection pays, on BoringSSL ({@code boringssl}, the default where Conscrypt's
 * library loads) and on the Java code that is the fallback ({@code java}: BouncyCastle's X25519,
 * the JDK's ChaCha20-Poly1305), in one process: an X25519 agreement (a connection's two ends do
 * six), an ephemeral key pair (two), and the sealing of a 300-byte and a 4 KiB transport message
 * into direct buffers, as Netty hands them over. Both engines give the same bytes ({@code
 * X25519Test}, {@code CipherStateTest}).
 *
 * <p>Run: {@code java -jar bench/target/benchmarks.jar ConnectionCryptoBenchmark -f 1 -wi 3 -i 5 -w 1 -r 1}
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class ConnectionCryptoBenchmark {

    @Param({"boringssl", "java"})
    public String engine;

    private final SecureRandom random = new SecureRandom();
    private X25519.Engine x25519;
    private byte[] privateKey;
    private byte[] remotePublic;
    private CipherState sealer;
    private ByteBuffer small;
    private ByteBuffer large;
    private ByteBuffer out;

    @Setup
    public void setUp() {
        boolean boringSsl = "boringssl".equals(engine);
        if (boringSsl && X25519.engine() != X25519.Engine.BORINGSSL) {
            throw new IllegalStateException("BoringSSL is not loaded in this JVM");
        }
        x25519 = boringSsl ? X25519.Engine.BORINGSSL : X25519.Engine.BOUNCY_CASTLE;
        privateKey = X25519.generate(random).privateKey();
        remotePublic = X25519.generate(random).publicKey();
        byte[] key = new byte[32];
        random.nextBytes(key);
        sealer = new CipherState(key, boringSsl);
        small = ByteBuffer.allocateDirect(300);
        large = ByteBuffer.allocateDirect(4096);
        out = ByteBuffer.allocateDirect(4096 + CipherState.TAG_LENGTH);
    }

    @Benchmark
    public byte[] agreement() throws GeneralSecurityException {
        return X25519.dh(x25519, privateKey, remotePublic);
    }

    @Benchmark
    public X25519.KeyPair keyPair() {
        return x25519 == X25519.Engine.BORINGSSL ? X25519.generate() : X25519.generate(random);
    }

    @Benchmark
    public int seal300Bytes() throws GeneralSecurityException {
        return seal(small);
    }

    @Benchmark
    public int seal4KiB() throws GeneralSecurityException {
        return seal(large);
    }

    private int seal(ByteBuffer plain) throws GeneralSecurityException {
        plain.clear();
        out.clear();
        return sealer.encrypt(plain, out);
    }
}
