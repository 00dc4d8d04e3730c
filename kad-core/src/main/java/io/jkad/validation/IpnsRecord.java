package io.jkad.validation;

import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.dataformat.cbor.CBORFactory;
import com.fasterxml.jackson.dataformat.cbor.CBORGenerator;
import com.fasterxml.jackson.dataformat.cbor.CBORParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.jkad.identity.PeerId;
import io.jkad.record.RecordKey;
import io.jkad.validation.pb.IpnsProto.IpnsEntry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * An IPNS record as the IPNS spec defines it: the {@code IpnsEntry} protobuf whose signed part is
 * {@code data}, a DAG-CBOR map of {@code TTL}, {@code Value}, {@code Sequence}, {@code Validity}
 * and {@code ValidityType}, signed (V2) as {@code "ipns-signature:" ‖ data} by the name's key. It
 * reads records ({@link #parse}, which checks their form but not their signature: that is
 * {@link IpnsValidator}'s) and makes them ({@link #create}).
 *
 * <p>The CBOR is read and written with Jackson's CBOR streaming parser and generator; the
 * canonical form DAG-CBOR asks for (definite lengths, minimal integers, keys sorted by length then
 * bytes: {@code TTL, Value, Sequence, Validity, ValidityType}) is what {@link #create} writes, in
 * that order. A record is kept as the bytes it came in: signatures are checked over the
 * {@code data} bytes as received.
 */
public final class IpnsRecord {

    /** The largest record accepted, as go and js: 10 KiB. */
    public static final int MAX_SIZE = 10 * 1024;
    /** The default lifetime of a published record (boxo's): 48 h. */
    public static final Duration DEFAULT_LIFETIME = Duration.ofHours(48);
    /** The default TTL, the cache hint (boxo's): 5 min. */
    public static final Duration DEFAULT_TTL = Duration.ofMinutes(5);

    static final byte[] KEY_PREFIX = {'/', 'i', 'p', 'n', 's', '/'};
    static final byte[] SIGNATURE_V2_PREFIX = "ipns-signature:".getBytes(StandardCharsets.US_ASCII);
    private static final CBORFactory CBOR = new CBORFactory();

    private final byte[] bytes;
    private final IpnsEntry entry;
    private final byte[] value;
    private final byte[] validityText;
    private final Instant validity;
    private final long validityType;
    private final long sequence;
    private final long ttlNanos;

    private IpnsRecord(byte[] bytes, IpnsEntry entry, byte[] value, byte[] validityText, Instant validity,
                       long validityType, long sequence, long ttlNanos) {
        this.bytes = bytes;
        this.entry = entry;
        this.value = value;
        this.validityText = validityText;
        this.validity = validity;
        this.validityType = validityType;
        this.sequence = sequence;
        this.ttlNanos = ttlNanos;
    }

    /** A record that is not a well-formed IPNS record: why. */
    static final class Malformed extends Exception {
        private static final long serialVersionUID = 1L;
        final InvalidReason reason;

        Malformed(InvalidReason reason, String message) {
            super(message, null, false, false);
            this.reason = reason;
        }
    }

    /** The {@code /ipns/} routing key of the name {@code name}: the prefix and the name's multihash. */
    public static RecordKey keyOf(PeerId name) {
        byte[] id = name.toBytes();
        byte[] k = Arrays.copyOf(KEY_PREFIX, KEY_PREFIX.length + id.length);
        System.arraycopy(id, 0, k, KEY_PREFIX.length, id.length);
        return RecordKey.of(k);
    }

    /**
     * Reads a record: its size, the protobuf, the V2 signature and data present, the CBOR data with
     * its five fields of their types, the validity a date-time. The signature is not checked.
     *
     * @throws IllegalArgumentException if it is none of that
     */
    public static IpnsRecord parse(byte[] bytes) {
        try {
            return read(bytes);
        } catch (Malformed e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    static IpnsRecord read(byte[] bytes) throws Malformed {
        if (bytes.length > MAX_SIZE) {
            throw new Malformed(InvalidReason.TOO_LARGE, "IPNS record of " + bytes.length + " bytes; at most "
                    + MAX_SIZE + " are accepted");
        }
        IpnsEntry entry;
        try {
            entry = IpnsEntry.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new Malformed(InvalidReason.MALFORMED, "not an IPNS record protobuf: " + e.getMessage());
        }
        if (entry.getSignatureV2().isEmpty() || entry.getData().isEmpty()) {
            throw new Malformed(InvalidReason.MISSING_FIELD, "IPNS record without "
                    + (entry.getSignatureV2().isEmpty() ? "signatureV2" : "data") + " (V1-only records are refused)");
        }
        byte[] value = null;
        byte[] validityText = null;
        Long validityType = null;
        Long sequence = null;
        Long ttl = null;
        try (CBORParser p = CBOR.createParser(entry.getData().toByteArray())) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new Malformed(InvalidReason.MALFORMED, "IPNS data is not a CBOR map");
            }
            JsonToken t;
            while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                switch (name) {
                    case "Value" -> value = bytesOf(p, v, name);
                    case "Validity" -> validityText = bytesOf(p, v, name);
                    case "ValidityType" -> validityType = unsigned(p, v, name);
                    case "Sequence" -> sequence = unsigned(p, v, name);
                    case "TTL" -> ttl = unsigned(p, v, name);
                    default -> p.skipChildren(); // unknown keys are ignored, as the spec says
                }
            }
            if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
                throw new Malformed(InvalidReason.MALFORMED, "IPNS data is not one CBOR map");
            }
        } catch (IOException | RuntimeException e) {
            throw new Malformed(InvalidReason.MALFORMED, "IPNS data is not CBOR: " + e.getMessage());
        }
        String missing = value == null ? "Value" : validityText == null ? "Validity" : validityType == null
                ? "ValidityType" : sequence == null ? "Sequence" : ttl == null ? "TTL" : null;
        if (missing != null) {
            throw new Malformed(InvalidReason.MISSING_FIELD, "IPNS data without " + missing);
        }
        Instant validity;
        String text = new String(validityText, StandardCharsets.UTF_8);
        try {
            validity = OffsetDateTime.parse(text, DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            throw new Malformed(InvalidReason.MALFORMED, "IPNS Validity is not an RFC 3339 time: " + abbreviate(text));
        }
        return new IpnsRecord(bytes.clone(), entry, value, validityText, validity, validityType, sequence, ttl);
    }

    private static byte[] bytesOf(CBORParser p, JsonToken t, String name) throws Malformed, IOException {
        if (t != JsonToken.VALUE_EMBEDDED_OBJECT) {
            throw new Malformed(InvalidReason.MALFORMED, "IPNS " + name + " is not a CBOR byte string");
        }
        return p.getBinaryValue();
    }

    /** A CBOR unsigned integer (major type 0) as the 64 bits of a uint64. */
    private static long unsigned(CBORParser p, JsonToken t, String name) throws Malformed, IOException {
        if (t != JsonToken.VALUE_NUMBER_INT) {
            throw new Malformed(InvalidReason.MALFORMED, "IPNS " + name + " is not a CBOR integer");
        }
        BigInteger n = p.getBigIntegerValue();
        if (n.signum() < 0 || n.bitLength() > 64) {
            throw new Malformed(InvalidReason.MALFORMED, "IPNS " + name + " is not an unsigned 64-bit integer: " + n);
        }
        return n.longValue();
    }

    private static String abbreviate(String s) {
        return s.length() > 64 ? s.substring(0, 64) + "…" : s;
    }

    /**
     * Makes and signs a record (V2; with {@code v1Compatible}, also the V1 fields and signature
     * that go and js still write by default).
     *
     * @param publicKey  the signer's {@code PublicKey} protobuf
     * @param sign       signs bytes with the signer's private key
     * @param embedKey   whether to put the public key in the record (needed when the name does
     *                   not inline it: RSA and ECDSA keys)
     * @param value      the value, a path such as {@code /ipfs/bafy…}
     * @param sequence   the version, from 0 (a higher one replaces a lower one)
     * @param validity   the end of the record's life
     * @param ttl        how long resolvers may cache it
     */
    public static byte[] create(byte[] publicKey, UnaryOperator<byte[]> sign, boolean embedKey, byte[] value,
                                long sequence, Instant validity, Duration ttl, boolean v1Compatible) {
        Objects.requireNonNull(value, "value");
        if (sequence < 0) {
            throw new IllegalArgumentException("sequence must be >= 0: " + sequence);
        }
        if (ttl.isNegative()) {
            throw new IllegalArgumentException("ttl must be >= 0: " + ttl);
        }
        byte[] validityText = formatValidity(validity).getBytes(StandardCharsets.US_ASCII);
        long ttlNanos = ttl.toNanos();
        byte[] data = cbor(value, validityText, sequence, ttlNanos);
        byte[] toSign = concat(SIGNATURE_V2_PREFIX, data);
        IpnsEntry.Builder b = IpnsEntry.newBuilder();
        if (v1Compatible) {
            b.setValue(ByteString.copyFrom(value))
                    .setSignatureV1(ByteString.copyFrom(sign.apply(concat(value, validityText,
                            "EOL".getBytes(StandardCharsets.US_ASCII)))))
                    .setValidityType(IpnsEntry.ValidityType.EOL)
                    .setValidity(ByteString.copyFrom(validityText))
                    .setSequence(sequence)
                    .setTtl(ttlNanos);
        }
        if (embedKey) {
            b.setPubKey(ByteString.copyFrom(publicKey));
        }
        b.setSignatureV2(ByteString.copyFrom(sign.apply(toSign))).setData(ByteString.copyFrom(data));
        byte[] record = b.build().toByteArray();
        if (record.length > MAX_SIZE) {
            throw new IllegalArgumentException("the record would be " + record.length + " bytes; at most " + MAX_SIZE
                    + " are accepted (a shorter value)");
        }
        return record;
    }

    /** The signed data, canonical DAG-CBOR: keys by length, then bytewise. */
    static byte[] cbor(byte[] value, byte[] validityText, long sequence, long ttlNanos) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (CBORGenerator g = CBOR.createGenerator(out)) {
            g.writeStartObject(null, 5);
            g.writeFieldName("TTL");
            g.writeNumber(ttlNanos);
            g.writeFieldName("Value");
            g.writeBinary(value);
            g.writeFieldName("Sequence");
            g.writeNumber(sequence);
            g.writeFieldName("Validity");
            g.writeBinary(validityText);
            g.writeFieldName("ValidityType");
            g.writeNumber(0);
            g.writeEndObject();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** A validity as go writes it: RFC 3339 in UTC, the fraction without trailing zeros, none when zero. */
    static String formatValidity(Instant t) {
        OffsetDateTime u = t.atOffset(ZoneOffset.UTC);
        String base = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss").format(u);
        int nanos = u.getNano();
        if (nanos == 0) {
            return base + "Z";
        }
        String fraction = String.format("%09d", nanos).replaceAll("0+$", "");
        return base + "." + fraction + "Z";
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        byte[] out = new byte[n];
        int at = 0;
        for (byte[] p : parts) {
            System.arraycopy(p, 0, out, at, p.length);
            at += p.length;
        }
        return out;
    }

    // ------------------------------------------------------------------ what the record holds

    /** The record's bytes, as received or made. */
    public byte[] bytes() {
        return bytes.clone();
    }

    byte[] rawBytes() {
        return bytes;
    }

    IpnsEntry entry() {
        return entry;
    }

    /** The bytes the V2 signature covers: {@code "ipns-signature:" ‖ data}. */
    byte[] signedV2() {
        return concat(SIGNATURE_V2_PREFIX, entry.getData().toByteArray());
    }

    /** The value (a path such as {@code /ipfs/bafy…}). */
    public byte[] value() {
        return value.clone();
    }

    /** The end of the record's life. */
    public Instant validity() {
        return validity;
    }

    /** The validity as written in the record. */
    public String validityText() {
        return new String(validityText, StandardCharsets.UTF_8);
    }

    byte[] validityBytes() {
        return validityText;
    }

    long validityType() {
        return validityType;
    }

    /** The sequence number, an unsigned 64-bit integer (compare with {@link Long#compareUnsigned}). */
    public long sequence() {
        return sequence;
    }

    /** The TTL: how long resolvers may cache the record. */
    public Duration ttl() {
        return ttlNanos >= 0 ? Duration.ofNanos(ttlNanos) : Duration.ofNanos(Long.MAX_VALUE);
    }

    long ttlNanos() {
        return ttlNanos;
    }

    /** The embedded public key protobuf, if the record carries one. */
    public java.util.Optional<byte[]> publicKey() {
        return entry.hasPubKey() && !entry.getPubKey().isEmpty() ? java.util.Optional.of(entry.getPubKey().toByteArray())
                : java.util.Optional.empty();
    }

    @Override
    public String toString() {
        return "IpnsRecord{sequence=" + Long.toUnsignedString(sequence) + ", validity=" + validityText() + ", value="
                + new String(value, StandardCharsets.UTF_8) + "}";
    }
}
