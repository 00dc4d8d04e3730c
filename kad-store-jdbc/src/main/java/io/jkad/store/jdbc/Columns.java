package io.jkad.store.jdbc;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.util.Varint;
import java.nio.ByteBuffer;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** How record fields are kept in columns: expiry instants, peer ids, address lists. */
final class Columns {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Columns() {}

    /**
     * An expiry as nanoseconds since the epoch, null for none.
     *
     * @throws IllegalArgumentException for an instant that does not fit (before 1677-09-21 or after
     *     2262-04-11)
     */
    static Long expiryNanos(Optional<Instant> expires) {
        if (expires.isEmpty()) {
            return null;
        }
        Instant t = expires.get();
        try {
            return Math.addExact(Math.multiplyExact(t.getEpochSecond(), NANOS_PER_SECOND), t.getNano());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "expiry out of the range the jdbc store keeps (1677-09-21 to 2262-04-11): " + t, e);
        }
    }

    /**
     * {@code now} as nanoseconds since the epoch for comparing with stored expiries: instants past
     * the storable range are clamped to its ends (every stored expiry is before, or after, them).
     */
    static long sweepNanos(Instant now) {
        try {
            return Math.addExact(Math.multiplyExact(now.getEpochSecond(), NANOS_PER_SECOND), now.getNano());
        } catch (ArithmeticException e) {
            return now.getEpochSecond() < 0 ? Long.MIN_VALUE : Long.MAX_VALUE;
        }
    }

    /** The expiry in column {@code column} of {@code rs}, empty for SQL NULL. */
    static Optional<Instant> expiry(ResultSet rs, int column) throws SQLException {
        long nanos = rs.getLong(column);
        if (rs.wasNull()) {
            return Optional.empty();
        }
        return Optional.of(Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS_PER_SECOND),
                Math.floorMod(nanos, NANOS_PER_SECOND)));
    }

    static void setExpiry(PreparedStatement ps, int index, Long nanos) throws SQLException {
        if (nanos == null) {
            ps.setNull(index, Types.BIGINT);
        } else {
            ps.setLong(index, nanos);
        }
    }

    static void setBytesOrNull(PreparedStatement ps, int index, byte[] bytes) throws SQLException {
        if (bytes == null) {
            ps.setNull(index, Types.VARBINARY);
        } else {
            ps.setBytes(index, bytes);
        }
    }

    static Optional<PeerId> peer(ResultSet rs, int column) throws SQLException {
        byte[] b = rs.getBytes(column);
        return b == null ? Optional.empty() : Optional.of(PeerId.fromBytes(b));
    }

    /**
     * An address list as bytes: a varint count, then per address a varint length and the binary
     * multiaddr. Null for an empty list.
     */
    static byte[] encodeAddresses(List<Multiaddr> addresses) {
        if (addresses.isEmpty()) {
            return null;
        }
        List<byte[]> encoded = new ArrayList<>(addresses.size());
        int size = Varint.size(addresses.size());
        for (Multiaddr a : addresses) {
            byte[] b = a.toBytes();
            encoded.add(b);
            size += Varint.size(b.length) + b.length;
        }
        ByteBuffer out = ByteBuffer.allocate(size);
        Varint.write(out, addresses.size());
        for (byte[] b : encoded) {
            Varint.write(out, b.length);
            out.put(b);
        }
        return out.array();
    }

    /**
     * The address list of {@link #encodeAddresses}.
     *
     * @throws IllegalArgumentException if the bytes are not such a list
     */
    static List<Multiaddr> decodeAddresses(byte[] bytes) {
        if (bytes == null) {
            return List.of();
        }
        ByteBuffer in = ByteBuffer.wrap(bytes);
        long count = Varint.read(in);
        if (count <= 0 || count > bytes.length) {
            throw new IllegalArgumentException("bad address list: count " + count + " in " + bytes.length + " bytes");
        }
        List<Multiaddr> addresses = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            long length = Varint.read(in);
            if (length < 0 || length > in.remaining()) {
                throw new IllegalArgumentException("bad address list: address " + i + " of " + length + " bytes, "
                        + in.remaining() + " left");
            }
            byte[] b = new byte[(int) length];
            in.get(b);
            addresses.add(Multiaddr.fromBytes(b));
        }
        if (in.hasRemaining()) {
            throw new IllegalArgumentException("bad address list: " + in.remaining() + " bytes after the last address");
        }
        return List.copyOf(addresses);
    }
}
