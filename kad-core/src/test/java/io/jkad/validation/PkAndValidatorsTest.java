package io.jkad.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.net.LibP2pTestKeys;
import io.jkad.record.RecordKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** {@link PkValidator}, and {@link Validators}: namespaces, the policy for unknown ones, discovery. */
class PkAndValidatorsTest {

    private static final Instant NOW = Instant.parse("2026-12-05T00:00:00Z");
    private final PkValidator pk = new PkValidator();

    private static RecordKey key(String text) {
        return RecordKey.of(text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void aPublicKeyIsValidUnderItsOwnPeerIdOnly() {
        Ed25519KeyPair a = Ed25519KeyPair.generate();
        Ed25519KeyPair b = Ed25519KeyPair.generate();
        byte[] keyA = a.publicKey().encodeProtobuf();
        assertThat(pk.validate(PkValidator.keyOf(PeerId.fromPublicKey(a.publicKey())), keyA, NOW).isValid()).isTrue();
        assertThat(pk.validate(PkValidator.keyOf(PeerId.fromPublicKey(b.publicKey())), keyA, NOW))
                .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.reason()).isEqualTo(InvalidReason.WRONG_KEY));
        assertThat(pk.validate(PkValidator.keyOf(PeerId.fromPublicKey(a.publicKey())), new byte[] {8, 1}, NOW))
                .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.reason()).isEqualTo(InvalidReason.MALFORMED));
        assertThat(pk.validate(key("/pk/abc"), keyA, NOW))
                .isInstanceOfSatisfying(Validation.Invalid.class, i -> assertThat(i.reason()).isEqualTo(InvalidReason.BAD_KEY));
    }

    /** The spec digest's vector: the peer-id spec's RSA key under its sha2-256 peer id. */
    @Test
    void theRsaVectorIsValid() {
        byte[] rsa = LibP2pTestKeys.hex(LibP2pTestKeys.RSA_PUBLIC);
        RecordKey key = RecordKey.of(LibP2pTestKeys.hex(
                "2f706b2f1220b6c8a8c0a3105fc27afca4fb1173791f038e4343fd56b7c67b616dbc30a04ccd"));
        assertThat(PeerKeys.decode(rsa).peerId().toBase58()).isEqualTo("QmaeANgBs1DTSxWSrPPtobgQuxW8XTfsS4ydbK4rCHzqxG");
        assertThat(pk.validate(key, rsa, NOW).isValid()).isTrue();
        assertThat(pk.select(key, List.of(rsa, rsa))).isZero();
    }

    @Test
    void theNamespaceIsTheFirstPathSegment() {
        assertThat(Validators.namespace(key("/ipns/x"))).contains("ipns");
        assertThat(Validators.namespace(key("/pk/"))).contains("pk");
        assertThat(Validators.namespace(key("/app/a/b"))).contains("app");
        assertThat(Validators.namespace(key("plain"))).isEmpty();
        assertThat(Validators.namespace(key("/noslash"))).isEmpty();
        assertThat(Validators.namespace(key("//x"))).isEmpty();
    }

    @Test
    void unknownNamespacesAreAcceptedOrRefusedAsThePolicySays() {
        Validators accept = Validators.discovered(UnknownNamespacePolicy.ACCEPT);
        Validators refuse = accept.withPolicy(UnknownNamespacePolicy.REFUSE);
        assertThat(accept.namespaces()).containsExactly("ipns", "pk");
        byte[] v = {1};
        assertThat(accept.validate(key("/app/x"), v, NOW)).isEqualTo(Validation.Valid.FOREVER);
        assertThat(accept.validate(key("plain"), v, NOW)).isEqualTo(Validation.Valid.FOREVER);
        assertThat(refuse.validate(key("/app/x"), v, NOW)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.reason()).isEqualTo(InvalidReason.UNKNOWN_NAMESPACE));
        assertThat(refuse.validate(key("plain"), v, NOW)).isInstanceOfSatisfying(Validation.Invalid.class,
                i -> assertThat(i.detail()).contains("without a namespace"));
        // a known namespace is validated whatever the policy
        assertThat(accept.validate(key("/pk/abc"), v, NOW).isValid()).isFalse();
        assertThat(Validators.none().validate(key("/pk/abc"), v, NOW).isValid()).isTrue();
        // with no selector, the first of several values
        assertThat(accept.select(key("/app/x"), List.of(new byte[] {1}, new byte[] {2}))).isZero();
    }

    @Test
    void anEmbedderAddsItsOwnNamespace() {
        RecordValidator even = new RecordValidator() {
            @Override
            public String namespace() {
                return "even";
            }

            @Override
            public Validation validate(RecordKey key, byte[] value, Instant now) {
                return value.length % 2 == 0 ? Validation.Valid.FOREVER
                        : Validation.invalid(InvalidReason.MALFORMED, "odd length");
            }

            @Override
            public int select(RecordKey key, List<byte[]> values) {
                return values.size() - 1;
            }
        };
        Validators v = Validators.discovered(UnknownNamespacePolicy.REFUSE).with(even);
        assertThat(v.validate(key("/even/a"), new byte[2], NOW).isValid()).isTrue();
        assertThat(v.validate(key("/even/a"), new byte[3], NOW).isValid()).isFalse();
        assertThat(v.select(key("/even/a"), List.of(new byte[2], new byte[4]))).isEqualTo(1);
        assertThatThrownBy(() -> Validators.of(List.of(even, even), UnknownNamespacePolicy.ACCEPT))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("two validators");
        assertThat(new Validation.Valid(Optional.empty())).isEqualTo(Validation.Valid.FOREVER);
    }
}
