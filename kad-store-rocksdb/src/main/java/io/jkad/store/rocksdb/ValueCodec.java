package io.jkad.store.rocksdb;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.util.Varint;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The store's binary encoding of values (keys: {@link KeyLayout}). Each value starts with a
 * version byte, so that the encoding can evolve: a later version adds a decoder for the new
 * version and keeps reading the old ones. Lengths are unsigned varints ({@link Varint}); an
 * instant is the epoch second (8 bytes, big-endian, signed) then the nanosecond (4 bytes).
 *
 * <p>Value record, version 1:
 * <pre>
 *   version   1 byte   = 1
 *   flags     1 byte   bit 0: has expiry, bit 1: has publisher; the other bits are 0
 *   expiry    12 bytes if bit 0
 *   publisher varint length ‖ peer id multihash, if bit 1
 *   value     the rest (possibly nothing)
 * </pre>
 *
 * <p>Provider record, version 1 (the record key is in the column family's key):
 * <pre>
 *   version   1 byte   = 1
 *   flags     1 byte   bit 0: has expiry; the other bits are 0
 *   seq       8 bytes  the entry's place in its key's order (also in its key; here so that the
 *                      copy in the provided column family names its entry)
 *   expiry    12 bytes if bit 0
 *   provider  varint length ‖ peer id multihash
 *   addresses varint count, then each: varint length ‖ binary multiaddr
 * </pre>
 */
final class ValueCodec {

    static final byte VERSION_1 = 1;

    private static final int HAS_EXPIRY = 1;
    private static final int HAS_PUBLISHER = 2;

    private ValueCodec() {}

    /** A value that cannot be decoded: written by something else, or damaged on disk. */
    static final class CorruptValueException extends Exception {
        CorruptValueException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A provider entry as stored: its {@code seq} and the record. */
    record StoredProvider(long seq, ProviderRecord record) {}

    // ------------------------------------------------------------------ value records

    static byte[] encodeRecord(DhtRecord record) {
        byte[] publisher = record.publisher().map(PeerId::toBytes).orElse(null);
        int size = 2 + (record.expires().isPresent() ? KeyLayout.INSTANT_BYTES : 0)
                + (publisher != null ? Varint.size(publisher.length) + publisher.length : 0)
                + record.valueLength();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION_1);
        out.put((byte) ((record.expires().isPresent() ? HAS_EXPIRY : 0) | (publisher != null ? HAS_PUBLISHER : 0)));
        record.expires().ifPresent(t -> putInstant(out, t));
        if (publisher != null) {
            Varint.write(out, publisher.length);
            out.put(publisher);
        }
        out.put(record.valueBuffer());
        return out.array();
    }

    static DhtRecord decodeRecord(RecordKey key, byte[] bytes) throws CorruptValueException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int flags = header(in, HAS_EXPIRY | HAS_PUBLISHER);
            Optional<Instant> expires = (flags & HAS_EXPIRY) != 0 ? Optional.of(getInstant(in)) : Optional.empty();
            Optional<PeerId> publisher = (flags & HAS_PUBLISHER) != 0
                    ? Optional.of(PeerId.fromBytes(getBytes(in, "publisher"))) : Optional.empty();
            byte[] value = new byte[in.remaining()];
            in.get(value);
            return DhtRecord.of(key, value, publisher, expires);
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("value record", bytes, e);
        }
    }

    /** The expiry of an encoded value record, without decoding the rest. */
    static Optional<Instant> recordExpiry(byte[] bytes) throws CorruptValueException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int flags = header(in, HAS_EXPIRY | HAS_PUBLISHER);
            return (flags & HAS_EXPIRY) != 0 ? Optional.of(getInstant(in)) : Optional.empty();
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("value record", bytes, e);
        }
    }

    // ------------------------------------------------------------------ provider records

    static byte[] encodeProvider(long seq, ProviderRecord record) {
        byte[] provider = record.provider().toBytes();
        List<byte[]> addresses = new ArrayList<>(record.addresses().size());
        int size = 2 + KeyLayout.SEQ_BYTES + (record.expires().isPresent() ? KeyLayout.INSTANT_BYTES : 0)
                + Varint.size(provider.length) + provider.length + Varint.size(record.addresses().size());
        for (Multiaddr a : record.addresses()) {
            byte[] b = a.toBytes();
            addresses.add(b);
            size += Varint.size(b.length) + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION_1);
        out.put((byte) (record.expires().isPresent() ? HAS_EXPIRY : 0));
        out.putLong(seq);
        record.expires().ifPresent(t -> putInstant(out, t));
        Varint.write(out, provider.length);
        out.put(provider);
        Varint.write(out, addresses.size());
        for (byte[] b : addresses) {
            Varint.write(out, b.length);
            out.put(b);
        }
        return out.array();
    }

    static StoredProvider decodeProvider(RecordKey key, byte[] bytes) throws CorruptValueException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            int flags = header(in, HAS_EXPIRY);
            long seq = in.getLong();
            Optional<Instant> expires = (flags & HAS_EXPIRY) != 0 ? Optional.of(getInstant(in)) : Optional.empty();
            PeerId provider = PeerId.fromBytes(getBytes(in, "provider"));
            long count = Varint.read(in);
            // each address takes at least two bytes: a count beyond that is garbage, not a reason to allocate
            if (count > in.remaining() / 2) {
                throw new IllegalArgumentException(count + " addresses in " + in.remaining() + " bytes");
            }
            List<Multiaddr> addresses = new ArrayList<>((int) count);
            for (long i = 0; i < count; i++) {
                addresses.add(Multiaddr.fromBytes(getBytes(in, "address")));
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the addresses");
            }
            return new StoredProvider(seq, new ProviderRecord(key, provider, expires, addresses));
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("provider record", bytes, e);
        }
    }

    // ------------------------------------------------------------------ pieces

    /** Reads the version and flags bytes; returns the flags. */
    private static int header(ByteBuffer in, int knownFlags) {
        byte version = in.get();
        if (version != VERSION_1) {
            throw new IllegalArgumentException("unknown encoding version " + version + " (this build reads " + VERSION_1 + ")");
        }
        int flags = in.get() & 0xFF;
        if ((flags & ~knownFlags) != 0) {
            throw new IllegalArgumentException("unknown flags 0x" + Integer.toHexString(flags));
        }
        return flags;
    }

    private static void putInstant(ByteBuffer out, Instant t) {
        out.putLong(t.getEpochSecond()).putInt(t.getNano());
    }

    private static Instant getInstant(ByteBuffer in) {
        long seconds = in.getLong();
        int nanos = in.getInt();
        if (nanos < 0 || nanos > 999_999_999) {
            throw new IllegalArgumentException("nanoseconds out of range: " + nanos);
        }
        return Instant.ofEpochSecond(seconds, nanos);
    }

    private static byte[] getBytes(ByteBuffer in, String what) {
        long length = Varint.read(in);
        if (length > in.remaining()) {
            throw new IllegalArgumentException(what + " of " + length + " bytes but " + in.remaining() + " remain");
        }
        byte[] b = new byte[(int) length];
        in.get(b);
        return b;
    }

    private static CorruptValueException corrupt(String what, byte[] bytes, Exception e) {
        String why = e instanceof BufferUnderflowException ? "truncated" : e.getMessage();
        return new CorruptValueException("undecodable " + what + " (" + bytes.length + " bytes): " + why, e);
    }
}
