package io.jkad.net;

/**
 * Where this process's Noise crypto runs, for reports and metrics: a fact of the process, not of
 * one node (see {@link BoringSsl}).
 */
public final class NoiseCrypto {

    private NoiseCrypto() {}

    /**
     * Where the X25519 key agreements run: {@code boringssl} (Conscrypt's native library) or
     * {@code bouncycastle} (Java, where that library does not load, or with {@code -Djkad.crypto=java}).
     */
    public static String x25519Engine() {
        return X25519.engine() == X25519.Engine.BORINGSSL ? "boringssl" : "bouncycastle";
    }
}
