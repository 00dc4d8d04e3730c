package io.jkad.net;

import java.security.Provider;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * BoringSSL, through Conscrypt's JNI library, for the two primitives every new connection spends
 * most of its CPU on: X25519 ({@link X25519}) and ChaCha20-Poly1305 ({@link CipherState}). Loaded
 * once, the first time either needs it; where the library does not load (Conscrypt ships it for
 * linux and macOS on x86-64 and arm64, and windows on x86-64), or when the system property
 * {@value #PROPERTY} is {@code java}, both run on Java code instead (BouncyCastle's X25519, the
 * JDK's ChaCha20-Poly1305), which gives the same bytes more slowly.
 */
final class BoringSsl {

    /** {@code native} (the default: BoringSSL when it loads) or {@code java}. */
    static final String PROPERTY = "jkad.crypto";

    private static final Logger LOG = LoggerFactory.getLogger(BoringSsl.class);

    private static final Provider PROVIDER = load();

    private BoringSsl() {}

    /** Conscrypt's provider, or empty where the Java code is used. */
    static Optional<Provider> provider() {
        return Optional.ofNullable(PROVIDER);
    }

    private static Provider load() {
        String wanted = System.getProperty(PROPERTY, "native");
        if ("java".equals(wanted)) {
            return null;
        }
        if (!"native".equals(wanted)) {
            LOG.warn("{}={} is neither native nor java; trying native", PROPERTY, wanted);
        }
        try {
            if (!org.conscrypt.Conscrypt.isAvailable()) {
                throw new IllegalStateException("Conscrypt.isAvailable() is false");
            }
            return org.conscrypt.Conscrypt.newProvider();
        } catch (Exception | LinkageError e) {
            LOG.info("X25519 and ChaCha20-Poly1305 on Java code: Conscrypt's native library is not usable here ({})",
                    e.toString());
            return null;
        }
    }
}
