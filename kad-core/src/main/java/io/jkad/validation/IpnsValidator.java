package io.jkad.validation;

import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.record.RecordKey;
import io.jkad.validation.pb.IpnsProto.IpnsEntry;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code /ipns/<name multihash>}: signed IPNS records, checked as the IPNS spec and go's boxo
 * check them, in this order: the key is {@code /ipns/} and a peer id multihash; the record at most
 * 10 KiB; the protobuf with a V2 signature and data; the CBOR data; the public key (embedded,
 * whose peer id must be the name, or inlined in an identity-multihash name); the V2 signature
 * over {@code "ipns-signature:" ‖ data}; when the record has V1 fields (a V1 signature or a value),
 * each equal to its CBOR twin; validity type EOL and the end of life not passed. The V1 signature
 * itself is never checked, as in go and js. Ed25519, secp256k1, ECDSA (DER signatures, as go) and
 * RSA keys are accepted ({@link PeerKeys}).
 *
 * <p>Selection follows go's: the higher sequence, then the later validity (to the nanosecond),
 * then the bytewise greater record, so that every node picks the same record whatever the order.
 */
public final class IpnsValidator implements RecordValidator {

    @Override
    public String namespace() {
        return "ipns";
    }

    @Override
    public Validation validate(RecordKey key, byte[] value, Instant now) {
        byte[] k = key.toBytes();
        PeerId name;
        try {
            name = PeerId.fromBytes(k, IpnsRecord.KEY_PREFIX.length, k.length - IpnsRecord.KEY_PREFIX.length);
        } catch (IllegalArgumentException e) {
            return Validation.invalid(InvalidReason.BAD_KEY, "not /ipns/ and a name's multihash: " + e.getMessage());
        }
        IpnsRecord record;
        try {
            record = IpnsRecord.read(value);
        } catch (IpnsRecord.Malformed e) {
            return Validation.invalid(e.reason, e.getMessage());
        }
        PeerKeys.RemoteKey signer;
        Optional<byte[]> embedded = record.publicKey();
        try {
            if (embedded.isPresent()) {
                signer = PeerKeys.decode(embedded.get());
                if (!signer.peerId().equals(name)) {
                    return Validation.invalid(InvalidReason.WRONG_KEY, "the record's public key is " + signer.peerId()
                            + "'s, not the name's " + name);
                }
            } else {
                Optional<byte[]> inlined = inlinedKey(name);
                if (inlined.isEmpty()) {
                    return Validation.invalid(InvalidReason.NO_PUBLIC_KEY, "the name " + name
                            + " is a hash of its key and the record does not carry the key");
                }
                signer = PeerKeys.decode(inlined.get());
            }
        } catch (IllegalArgumentException e) {
            return Validation.invalid(InvalidReason.MALFORMED, "the public key does not decode: " + e.getMessage());
        }
        if (!signer.verify(record.signedV2(), record.entry().getSignatureV2().toByteArray())) {
            return Validation.invalid(InvalidReason.BAD_SIGNATURE, "signatureV2 does not verify with the key of " + name);
        }
        IpnsEntry e = record.entry();
        if (!e.getSignatureV1().isEmpty() || !e.getValue().isEmpty()) {
            String differs = !Arrays.equals(e.getValue().toByteArray(), record.value()) ? "value"
                    : e.getValidityType().getNumber() != record.validityType() ? "validityType"
                    : !Arrays.equals(e.getValidity().toByteArray(), record.validityBytes()) ? "validity"
                    : e.getSequence() != record.sequence() ? "sequence"
                    : e.getTtl() != record.ttlNanos() ? "ttl" : null;
            if (differs != null) {
                return Validation.invalid(InvalidReason.V1_V2_MISMATCH, "the V1 field " + differs
                        + " differs from the signed data");
            }
        }
        if (record.validityType() != 0) {
            return Validation.invalid(InvalidReason.MALFORMED, "validity type " + record.validityType()
                    + " (only 0, EOL, exists)");
        }
        if (now.isAfter(record.validity())) {
            return Validation.invalid(InvalidReason.EXPIRED, "valid until " + record.validityText());
        }
        return new Validation.Valid(Optional.of(record.validity()));
    }

    /** The public key protobuf an identity-multihash peer id holds, if it is one. */
    static Optional<byte[]> inlinedKey(PeerId id) {
        byte[] b = id.toBytes();
        // identity code 0x00, then the length (one varint byte: inlined keys are at most 42 bytes)
        if (b.length < 2 || b[0] != 0x00 || (b[1] & 0x80) != 0 || b[1] != b.length - 2) {
            return Optional.empty();
        }
        return Optional.of(Arrays.copyOfRange(b, 2, b.length));
    }

    @Override
    public int select(RecordKey key, List<byte[]> values) {
        int best = -1;
        IpnsRecord bestRecord = null;
        for (int i = 0; i < values.size(); i++) {
            IpnsRecord r;
            try {
                r = IpnsRecord.read(values.get(i));
            } catch (IpnsRecord.Malformed e) {
                continue; // not a candidate (the caller passes valid values only)
            }
            if (bestRecord == null || compare(r, bestRecord) > 0) {
                best = i;
                bestRecord = r;
            }
        }
        return Math.max(best, 0);
    }

    /** go's order: sequence, then validity, then the record bytes (unsigned, bytewise). */
    static int compare(IpnsRecord a, IpnsRecord b) {
        int c = Long.compareUnsigned(a.sequence(), b.sequence());
        if (c != 0) {
            return c;
        }
        c = a.validity().compareTo(b.validity());
        if (c != 0) {
            return c;
        }
        return Arrays.compareUnsigned(a.rawBytes(), b.rawBytes());
    }
}
