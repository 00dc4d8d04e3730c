package io.jkad.validation;

import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.record.RecordKey;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * {@code /pk/<peer id multihash>}: the value is the peer's {@code PublicKey} protobuf, valid when
 * it decodes (RSA keys 2048 to 8192 bits, as go-libp2p requires) and its peer id is the key's.
 * Any two valid values for one key are the same key, so the first is selected.
 */
public final class PkValidator implements RecordValidator {

    static final byte[] PREFIX = {'/', 'p', 'k', '/'};
    /** A public key protobuf is at most a few KiB (an 8192-bit RSA key is about 1 KiB). */
    static final int MAX_VALUE = 4096;

    @Override
    public String namespace() {
        return "pk";
    }

    /** The {@code /pk/} key of {@code peer}. */
    public static RecordKey keyOf(PeerId peer) {
        byte[] id = peer.toBytes();
        byte[] k = Arrays.copyOf(PREFIX, PREFIX.length + id.length);
        System.arraycopy(id, 0, k, PREFIX.length, id.length);
        return RecordKey.of(k);
    }

    @Override
    public Validation validate(RecordKey key, byte[] value, Instant now) {
        byte[] k = key.toBytes();
        PeerId named;
        try {
            named = PeerId.fromBytes(k, PREFIX.length, k.length - PREFIX.length);
        } catch (IllegalArgumentException e) {
            return Validation.invalid(InvalidReason.BAD_KEY, "not /pk/ and a peer id multihash: " + e.getMessage());
        }
        if (value.length > MAX_VALUE) {
            return Validation.invalid(InvalidReason.TOO_LARGE, value.length + " bytes, more than a public key's "
                    + MAX_VALUE);
        }
        PeerId derived;
        try {
            derived = PeerKeys.decode(value).peerId();
        } catch (IllegalArgumentException e) {
            return Validation.invalid(InvalidReason.MALFORMED, "not a public key: " + e.getMessage());
        }
        if (!derived.equals(named)) {
            return Validation.invalid(InvalidReason.WRONG_KEY, "the key of " + derived + ", not of " + named);
        }
        return Validation.Valid.FOREVER;
    }

    @Override
    public int select(RecordKey key, List<byte[]> values) {
        return 0;
    }
}
