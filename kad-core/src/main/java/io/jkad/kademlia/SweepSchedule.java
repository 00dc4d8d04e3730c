package io.jkad.kademlia;

import io.jkad.record.CloseableIterator;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reprovide sweep's schedule ({@link ReprovideSweep}): when each region is due, and where the
 * sweep stands, kept in the store as node state {@value #STATE_NAME} so that a restart resumes it.
 *
 * <p>The region starting at keyspace fraction f of cycle c is due at
 * {@code anchor + (c + f) · interval}; the cursor is where the next region starts. After an outage
 * longer than the interval (found when loading) or on {@link #allOverdue}, the anchor moves so that
 * every region from the cursor round to it is overdue once, and the schedule goes on from there.
 * A new schedule on a store that already provides keys (announced by an earlier run at an unknown
 * time) starts with every region overdue; on an empty one, a region is first due at its time.
 *
 * <p>It also remembers, for this run only, which stretches of the keyspace were announced in the
 * last interval: a region whose time comes less than half an interval after it was announced (the
 * next cycle catching up with a catch-up) is passed over.
 */
final class SweepSchedule {
    private static final Logger log = LoggerFactory.getLogger(SweepSchedule.class);

    /** The node state entry that holds the schedule. */
    static final String STATE_NAME = "reprovide.sweep";
    private static final int STATE_VERSION = 2;
    private static final int STATE_BYTES = 1 + 8 + 4 + 8 + Keyspace.ID_BYTES + 8;

    private final RecordStore store;
    private final Duration interval;
    private Instant anchor;
    private long cycle;
    private byte[] cursor;
    /**
     * The network size the last region was sized from (0: none yet): a restarted node sizes its
     * first regions from it until its own lookups give an estimate.
     */
    private double lastNetworkSize;
    private boolean persistent = true;
    /** Stretches of the keyspace announced in the last interval, by their start (a fraction). */
    private final TreeMap<Double, Done> recentlyDone = new TreeMap<>();

    /** A stretch of the keyspace announced at {@code at}: from its key in {@link #recentlyDone} to {@code end}. */
    private record Done(double end, Instant at) {}

    /** The schedule kept in {@code store}, or a new one (saved at once). */
    SweepSchedule(RecordStore store, Duration interval, Instant now) {
        this.store = store;
        this.interval = interval;
        Optional<byte[]> saved = Optional.empty();
        try {
            saved = store.nodeState(STATE_NAME);
        } catch (UnsupportedOperationException e) {
            persistent = false;
            log.warn("The store keeps no node state: the reprovide schedule restarts with the node");
        } catch (StoreException e) {
            log.warn("The reprovide schedule could not be read ({}): starting a new one", e.getMessage());
        }
        if (saved.isPresent() && decode(saved.get())) {
            log.debug("Reprovide schedule resumed: cycle {}, next region at {}", cycle, position());
            if (!now.isBefore(slot(cursor).plus(interval))) {
                // down for more than a whole interval: every region is overdue
                moveAnchorForCatchUp(now);
            }
            return;
        }
        cycle = 0;
        cursor = new byte[Keyspace.ID_BYTES];
        boolean holdsKeys;
        try (CloseableIterator<ProviderRecord> it = store.provided()) {
            holdsKeys = it.hasNext();
        } catch (StoreException e) {
            holdsKeys = true;
        }
        anchor = holdsKeys ? now.minus(interval) : now;
        save();
    }

    long cycle() {
        return cycle;
    }

    /** Where the next region starts (a copy). */
    byte[] cursor() {
        return cursor.clone();
    }

    /** How far into the keyspace the cycle is, in [0, 1). */
    double position() {
        return Keyspace.fraction(cursor);
    }

    /** Whether the cursor is at the start of the keyspace. */
    boolean atStart() {
        for (byte b : cursor) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    /** When the current cycle began (or begins). */
    Instant cycleStart() {
        return anchor.plus(interval.multipliedBy(cycle));
    }

    /** When the region starting at {@code position} is due in the current cycle. */
    Instant slot(byte[] position) {
        return cycleStart().plus(scaled(Keyspace.fraction(position)));
    }

    /** The network size the last region was sized from; 0 if none. */
    double lastNetworkSize() {
        return lastNetworkSize;
    }

    /** Regions are sized from {@code size} now (saved with the next move of the cursor). */
    void sizedFrom(double size) {
        lastNetworkSize = size;
    }

    /** No key after the cursor: the next cycle starts at the beginning of the keyspace. Saved. */
    void nextCycle() {
        cycle++;
        cursor = new byte[Keyspace.ID_BYTES];
        save();
    }

    /** The cursor moves past the region of {@code prefix}'s first {@code bits} bits (to the next cycle after the last). Saved. */
    void advancePast(byte[] prefix, int bits) {
        Optional<byte[]> next = Keyspace.nextRegionStart(prefix, bits);
        if (next.isPresent()) {
            cursor = next.get();
            save();
        } else {
            nextCycle();
        }
    }

    /** Every region overdue: from the cursor, all the keyspace once, at once, then the schedule from there. Saved. */
    void allOverdue(Instant now) {
        moveAnchorForCatchUp(now);
        save();
    }

    private void moveAnchorForCatchUp(Instant now) {
        anchor = now.minus(interval).minus(scaled(position())).minus(scaled(cycle)).plusNanos(1);
    }

    /** The stretch [{@code from}, {@code end}) of the keyspace (fractions) was announced at {@code now}. */
    void announced(double from, double end, Instant now) {
        recentlyDone.values().removeIf(d -> !now.isBefore(d.at().plus(interval)));
        recentlyDone.put(from, new Done(end, now));
    }

    /**
     * Whether all of [{@code from}, {@code end}) was announced less than half an interval ago (by
     * regions of any size: the estimate may have changed the size in between).
     */
    boolean announcedLately(double from, double end, Instant now) {
        double at = from;
        while (at < end) {
            Map.Entry<Double, Done> e = recentlyDone.floorEntry(at);
            if (e == null || e.getValue().end() <= at || !now.isBefore(e.getValue().at().plus(interval.dividedBy(2)))) {
                return false;
            }
            at = e.getValue().end();
        }
        return true;
    }

    /** Where the region of {@code prefix}'s first {@code bits} bits ends, as a keyspace fraction (1 for the last). */
    static double regionEnd(byte[] prefix, int bits) {
        return Keyspace.nextRegionStart(prefix, bits).map(Keyspace::fraction).orElse(1.0);
    }

    /** {@code cycles} whole intervals (or a fraction of one) as a duration. */
    private Duration scaled(double cycles) {
        return Duration.ofNanos(Math.round(interval.toNanos() * cycles));
    }

    private void save() {
        if (!persistent) {
            return;
        }
        ByteBuffer b = ByteBuffer.allocate(STATE_BYTES);
        b.put((byte) STATE_VERSION).putLong(anchor.getEpochSecond()).putInt(anchor.getNano()).putLong(cycle).put(cursor)
                .putDouble(lastNetworkSize);
        try {
            store.putNodeState(STATE_NAME, b.array());
            log.debug("Reprovide schedule saved: cycle {}, next region at {}", cycle, position());
        } catch (StoreException e) {
            log.warn("The reprovide schedule could not be saved ({}): a restart may announce a region again",
                    e.getMessage());
        }
    }

    private boolean decode(byte[] bytes) {
        if (bytes.length != STATE_BYTES || bytes[0] != STATE_VERSION) {
            log.warn("Unreadable reprovide schedule ({} bytes): starting a new one", bytes.length);
            return false;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        anchor = Instant.ofEpochSecond(b.getLong(), b.getInt());
        cycle = b.getLong();
        cursor = new byte[Keyspace.ID_BYTES];
        b.get(cursor);
        lastNetworkSize = b.getDouble();
        return true;
    }
}
