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
 *   flags     1 byte   bit 0: has expiry, bit 1: has publisher, bit 2: indexed earlier (layout 4,
 *                      only with bit 0); the other bits are 0
 *   expiry    12 bytes if bit 0
 *   indexed   12 bytes if bit 2: the instant of the record's expiry index entry, before the expiry
 *                      (a put that extended the record left it there); without bit 2 the entry is at
 *                      the expiry
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
 *
 * <p>Provider head, version 1 (the value of a {@code provider_peers} entry): the fields of the
 * start of a provider record, and nothing after them. Its instant is that of the provider's expiry
 * index entry: the record's expiry, so that the head is the record's first bytes, until an update
 * extends the record; then it stays earlier until a sweep moves the entry (layout 4, {@link KeyLayout}).
 * <pre>
 *   version   1 byte   = 1
 *   flags     1 byte   bit 0: has an index entry; the other bits are 0
 *   seq       8 bytes
 *   instant   12 bytes if bit 0: the index entry's
 * </pre>
 */
final class ValueCodec {

    static final byte VERSION_1 = 1;

    private static final int HAS_EXPIRY = 1;
    private static final int HAS_PUBLISHER = 2;
    private static final int HAS_INDEXED = 4;
    private static final int RECORD_FLAGS = HAS_EXPIRY | HAS_PUBLISHER | HAS_INDEXED;

    private ValueCodec() {}

    /** A value that cannot be decoded: written by something else, or damaged on disk. */
    static final class CorruptValueException extends Exception {
        CorruptValueException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A provider entry as stored: its {@code seq} and the record. */
    record StoredProvider(long seq, ProviderRecord record) {}

    /**
     * The head of a provider entry, as its {@code provider_peers} entry holds it: {@code seq} and,
     * for that entry, the instant of its expiry index entry (see the class comment); for a
     * provider record's own start, its expiry.
     */
    record ProviderHead(long seq, Optional<Instant> expires) {}

    /** The most bytes a provider head takes (one with an expiry). */
    static final int PROVIDER_HEAD_MAX_BYTES = 2 + KeyLayout.SEQ_BYTES + KeyLayout.INSTANT_BYTES;

    /** Bytes of the version, flags, expiry and index instant of a value record: what {@link #recordHead} reads. */
    static final int RECORD_HEADER_BYTES = 2 + 2 * KeyLayout.INSTANT_BYTES;

    /**
     * The start of a value record: its expiry, and where its expiry index entry is (the expiry
     * itself unless a put left the entry earlier; none when it does not expire).
     */
    record RecordHead(Optional<Instant> expires, Optional<Instant> indexed) {
        static final RecordHead NONE = new RecordHead(Optional.empty(), Optional.empty());
    }

    // ------------------------------------------------------------------ value records

    /** A value record whose expiry index entry is at its expiry. */
    static byte[] encodeRecord(DhtRecord record) {
        return encodeRecord(record, record.expires());
    }

    /**
     * A value record whose expiry index entry is at {@code indexed}: its expiry, or an instant
     * before it (written in the value then).
     *
     * @throws IllegalArgumentException if {@code indexed} is after the expiry, or present without one
     */
    static byte[] encodeRecord(DhtRecord record, Optional<Instant> indexed) {
        Optional<Instant> expires = record.expires();
        boolean early = !indexed.equals(expires);
        if (early && (indexed.isEmpty() || expires.isEmpty() || indexed.get().isAfter(expires.get()))) {
            throw new IllegalArgumentException("index instant " + indexed + " for a record expiring " + expires);
        }
        byte[] publisher = record.publisher().map(PeerId::toBytes).orElse(null);
        int size = 2 + (expires.isPresent() ? KeyLayout.INSTANT_BYTES : 0) + (early ? KeyLayout.INSTANT_BYTES : 0)
                + (publisher != null ? Varint.size(publisher.length) + publisher.length : 0)
                + record.valueLength();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put(VERSION_1);
        out.put((byte) ((expires.isPresent() ? HAS_EXPIRY : 0) | (publisher != null ? HAS_PUBLISHER : 0)
                | (early ? HAS_INDEXED : 0)));
        expires.ifPresent(t -> putInstant(out, t));
        if (early) {
            putInstant(out, indexed.get());
        }
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
            RecordHead head = getRecordHead(in);
            Optional<Instant> expires = head.expires();
            Optional<PeerId> publisher = (bytes[1] & HAS_PUBLISHER) != 0
                    ? Optional.of(PeerId.fromBytes(getBytes(in, "publisher"))) : Optional.empty();
            byte[] value = new byte[in.remaining()];
            in.get(value);
            return DhtRecord.of(key, value, publisher, expires);
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("value record", bytes.length, e);
        }
    }

    /** The expiry of an encoded value record, without decoding the rest. */
    static Optional<Instant> recordExpiry(byte[] bytes) throws CorruptValueException {
        return recordHead(bytes, bytes.length).expires();
    }

    /**
     * The expiry and index instant of an encoded value record of which {@code bytes[0, length)}
     * holds the start (at least {@link #RECORD_HEADER_BYTES}, or all of it if it is shorter),
     * without the rest.
     */
    static RecordHead recordHead(byte[] bytes, int length) throws CorruptValueException {
        try {
            return getRecordHead(ByteBuffer.wrap(bytes, 0, length));
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("value record", length, e);
        }
    }

    private static RecordHead getRecordHead(ByteBuffer in) {
        int flags = header(in, RECORD_FLAGS);
        if ((flags & HAS_INDEXED) != 0 && (flags & HAS_EXPIRY) == 0) {
            throw new IllegalArgumentException("an index instant without an expiry");
        }
        Optional<Instant> expires = (flags & HAS_EXPIRY) != 0 ? Optional.of(getInstant(in)) : Optional.empty();
        if ((flags & HAS_INDEXED) == 0) {
            return new RecordHead(expires, expires);
        }
        Instant indexed = getInstant(in);
        if (!indexed.isBefore(expires.get())) {
            throw new IllegalArgumentException("an index instant " + indexed + " not before the expiry " + expires.get());
        }
        return new RecordHead(expires, Optional.of(indexed));
    }

    /**
     * The encoded value record {@code bytes} with its expiry index entry at its expiry: the same
     * bytes without the index instant (the same array if it has none).
     *
     * @throws CorruptValueException if its start cannot be decoded
     */
    static byte[] indexedAtExpiry(byte[] bytes) throws CorruptValueException {
        recordHead(bytes, bytes.length); // checks the start
        if ((bytes[1] & HAS_INDEXED) == 0) {
            return bytes;
        }
        int at = 2 + KeyLayout.INSTANT_BYTES; // the index instant follows the expiry
        byte[] out = new byte[bytes.length - KeyLayout.INSTANT_BYTES];
        System.arraycopy(bytes, 0, out, 0, at);
        out[1] = (byte) (bytes[1] & ~HAS_INDEXED);
        System.arraycopy(bytes, at + KeyLayout.INSTANT_BYTES, out, at, bytes.length - at - KeyLayout.INSTANT_BYTES);
        return out;
    }

    // ------------------------------------------------------------------ provider records

    static byte[] encodeProvider(long seq, ProviderRecord record) {
        byte[] provider = record.provider().toBytes();
        List<Multiaddr> addresses = record.addresses();
        int size = headSize(record.expires()) + Varint.size(provider.length) + provider.length
                + Varint.size(addresses.size());
        for (Multiaddr a : addresses) {
            size += Varint.size(a.length()) + a.length();
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        putHead(out, seq, record.expires());
        Varint.write(out, provider.length);
        out.put(provider);
        Varint.write(out, addresses.size());
        byte[] array = out.array();
        int pos = out.position();
        for (Multiaddr a : addresses) {
            pos = Varint.write(array, pos, a.length());
            pos = a.writeTo(array, pos);
        }
        return array;
    }

    static StoredProvider decodeProvider(RecordKey key, byte[] bytes) throws CorruptValueException {
        try {
            ByteBuffer in = ByteBuffer.wrap(bytes);
            ProviderHead head = getHead(in);
            int length = getLength(in, "provider");
            PeerId provider = PeerId.fromBytes(bytes, in.position(), length);
            in.position(in.position() + length);
            long count = Varint.read(in);
            // each address takes at least two bytes: a count beyond that is garbage, not a reason to allocate
            if (count > in.remaining() / 2) {
                throw new IllegalArgumentException(count + " addresses in " + in.remaining() + " bytes");
            }
            Multiaddr[] addresses = new Multiaddr[(int) count];
            for (int i = 0; i < addresses.length; i++) {
                length = getLength(in, "address");
                addresses[i] = Multiaddr.fromBytes(bytes, in.position(), length);
                in.position(in.position() + length);
            }
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the addresses");
            }
            return new StoredProvider(head.seq(), new ProviderRecord(key, provider, head.expires(), List.of(addresses)));
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("provider record", bytes.length, e);
        }
    }

    /** The head of a provider record with this {@code seq} and expiry: the value of its {@code provider_peers} entry. */
    static byte[] encodeProviderHead(long seq, Optional<Instant> expires) {
        ByteBuffer out = ByteBuffer.allocate(headSize(expires));
        putHead(out, seq, expires);
        return out.array();
    }

    /**
     * Decodes a {@code provider_peers} value of {@code length} bytes, read into {@code bytes}
     * (whose first {@code length} bytes hold it, if it fits): a provider head and nothing after it.
     * A value longer than {@code bytes} is longer than any head: corrupt.
     */
    static ProviderHead decodeProviderHead(byte[] bytes, int length) throws CorruptValueException {
        try {
            if (length > bytes.length) {
                throw new IllegalArgumentException("longer than a head (at most " + PROVIDER_HEAD_MAX_BYTES + " bytes)");
            }
            ByteBuffer in = ByteBuffer.wrap(bytes, 0, length);
            ProviderHead head = getHead(in);
            if (in.hasRemaining()) {
                throw new IllegalArgumentException(in.remaining() + " bytes after the head");
            }
            return head;
        } catch (IllegalArgumentException | BufferUnderflowException | DateTimeException e) {
            throw corrupt("provider head", length, e);
        }
    }

    private static int headSize(Optional<Instant> expires) {
        return 2 + KeyLayout.SEQ_BYTES + (expires.isPresent() ? KeyLayout.INSTANT_BYTES : 0);
    }

    private static void putHead(ByteBuffer out, long seq, Optional<Instant> expires) {
        out.put(VERSION_1);
        out.put((byte) (expires.isPresent() ? HAS_EXPIRY : 0));
        out.putLong(seq);
        expires.ifPresent(t -> putInstant(out, t));
    }

    private static ProviderHead getHead(ByteBuffer in) {
        int flags = header(in, HAS_EXPIRY);
        long seq = in.getLong();
        Optional<Instant> expires = (flags & HAS_EXPIRY) != 0 ? Optional.of(getInstant(in)) : Optional.empty();
        return new ProviderHead(seq, expires);
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
        byte[] b = new byte[getLength(in, what)];
        in.get(b);
        return b;
    }

    /** Reads a varint length and checks that that many bytes remain. */
    private static int getLength(ByteBuffer in, String what) {
        long length = Varint.read(in);
        if (length > in.remaining()) {
            throw new IllegalArgumentException(what + " of " + length + " bytes but " + in.remaining() + " remain");
        }
        return (int) length;
    }

    private static CorruptValueException corrupt(String what, int length, Exception e) {
        String why = e instanceof BufferUnderflowException ? "truncated" : e.getMessage();
        return new CorruptValueException("undecodable " + what + " (" + length + " bytes): " + why, e);
    }
}
