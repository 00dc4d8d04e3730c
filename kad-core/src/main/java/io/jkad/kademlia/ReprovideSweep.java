package io.jkad.kademlia;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.query.Query;
import io.jkad.record.CloseableIterator;
import io.jkad.record.Keyspace;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreException;
import io.jkad.routing.Key;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Random;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The reprovide sweep ({@link ReprovideStrategy#SWEEP}): announces every key this node provides
 * once per provider publication interval with far fewer lookups than one per key.
 *
 * <p><b>Regions.</b> The keys come from the store in keyspace order ({@link RecordStore#providedFrom}).
 * A region is every id with a prefix of {@link #regionBits} bits, chosen from the network size
 * estimate so that a region holds about k to 2k nodes. A region's peers are found by exploration:
 * a lookup of a target inside the region (a key whose SHA-256 has the region's prefix) finds its
 * k closest peers; when all of them lie inside the region there may be more, so each half of the
 * region is explored the same way, until every lookup's result reaches outside its part. The
 * peers found then hold every peer of the region, and so, for each key of the region, its own k
 * closest peers (a peer sharing the key's prefix is always closer than one that does not). Each
 * key is announced to those k peers; the ADD_PROVIDERs for one peer go on one stream
 * ({@link KademliaAction.SendRequests}), paced to the peer's request budget as this node's own
 * {@link RequestLimits#addProvider()} (the first batch up to 80 % of the burst, then 80 % of the
 * rate, every {@value #WAVE_SECONDS} s). A region of at most {@value #SMALL_REGION_KEYS} keys
 * costs fewer lookups key by key, and is announced so.
 *
 * <p><b>Schedule.</b> Regions are spread over the interval by position: the region starting at
 * keyspace fraction f of cycle c is due at {@code anchor + (c + f) · interval}. The schedule
 * (anchor, cycle, and the cursor: where the next region starts) is kept in the store as node
 * state ({@link SweepSchedule}) after each region, so a restart, clean or not, resumes at the cursor:
 * the regions whose time came while the node was down are announced at once, one after another,
 * the others at their time, and none but the one in progress at the stop is done twice. After an
 * outage longer than the interval every region is overdue: each is announced once, at once, and
 * the schedule continues from there. A first start on a store that already provides keys
 * (announced by an earlier run, perhaps long ago) starts with every region overdue.
 *
 * <p>Keys provided while the sweep runs are announced at once by {@link Kademlia#startProviding};
 * a key no longer provided ({@link Kademlia#stopProviding}) is not sent again, also from a region
 * in progress. Only one region is in progress at a time.
 */
final class ReprovideSweep {
    private static final Logger log = LoggerFactory.getLogger(ReprovideSweep.class);

    /** A region with at most this many keys is announced with one lookup per key. */
    static final int SMALL_REGION_KEYS = 2;
    /** The longest prefix explored (finding a target key for a prefix of b bits takes about 2^b hashes). */
    static final int MAX_PREFIX_BITS = 22;
    /** How long a region waits after a failure (no peer found, a store error) before it is tried again. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);
    /** The pause between two batches of ADD_PROVIDERs to the same peers. */
    static final int WAVE_SECONDS = 10;

    private final PeerId localId;
    private final RecordStore store;
    private final KademliaConfig config;
    private final Duration interval;
    private final Random random;
    private final int k;
    /** Where the schedule stands; saved after each region. */
    private final SweepSchedule schedule;
    /** The region in progress, or null. */
    private Region current;
    /** When the next region (or the next batch of the current one) is due; null: at the next input. */
    private Instant nextRun;
    private final ArrayDeque<KademliaEvent> events = new ArrayDeque<>();
    private long regionsDone;
    private long keysAnnounced;
    private long failures;
    private Optional<ReprovideReport> lastRegion = Optional.empty();
    ReprovideSweep(PeerId localId, RecordStore store, KademliaConfig config, Duration interval, Random random,
                   Instant now) {
        this.localId = localId;
        this.store = store;
        this.config = config;
        this.interval = interval;
        this.random = random;
        this.k = config.replicationFactor();
        this.schedule = new SweepSchedule(store, interval, now);
        this.nextRun = now;
    }

    // ------------------------------------------------------------------------------------------
    // For PeriodicJobs and Kademlia

    /** When the sweep has something to do without new input; empty when only input can change that. */
    Optional<Instant> nextRun() {
        return Optional.ofNullable(nextRun);
    }

    /** Something the sweep waits for may have come (a peer, a key provided): look again at the next poll. */
    void wake(Instant now) {
        if (current == null && nextRun == null) {
            nextRun = now;
        }
    }

    /**
     * Every region overdue: from the cursor, all the keyspace is announced at once, region after
     * region, and the schedule goes on from there (as after an outage of a whole interval).
     */
    void reprovideNow(Instant now) {
        schedule.allOverdue(now);
        if (current == null) {
            nextRun = now;
        }
    }

    /** {@code key} is no longer provided: it is not announced again (also not from the region in progress). */
    void stopped(RecordKey key) {
        if (current != null) {
            current.stopped.add(key);
        }
    }

    /** The next region report to hand to the user, if any. */
    Optional<KademliaEvent> takeEvent() {
        return Optional.ofNullable(events.poll());
    }

    /** The prefix length of regions for the current network size estimate. */
    int regionBits(OptionalDouble networkSize) {
        if (config.reprovideRegionBits().isPresent()) {
            return config.reprovideRegionBits().getAsInt();
        }
        if (networkSize.isEmpty() || networkSize.getAsDouble() < 2.0 * k) {
            return 0;
        }
        int bits = (int) Math.floor(Math.log(networkSize.getAsDouble() / k) / Math.log(2));
        return Math.max(0, Math.min(bits, MAX_PREFIX_BITS - 2));
    }

    ReprovideStatus status(Instant now, OptionalDouble networkSize) {
        Instant due = schedule.slot(schedule.cursor());
        Duration lag = now.isAfter(due) ? Duration.between(due, now) : Duration.ZERO;
        return new ReprovideStatus(interval, schedule.cycle(), schedule.cycleStart(), schedule.position(),
                regionBits(networkSize), networkSize, current != null, current != null ? Optional.empty()
                : Optional.ofNullable(nextRun).map(t -> t.isBefore(due) ? due : t), lag, regionsDone, keysAnnounced,
                failures, lastRegion);
    }

    JobSchedule schedule() {
        return new JobSchedule("provider_reprovide_sweep", interval, lastRegion.map(ReprovideReport::started),
                current != null, current != null ? Optional.empty() : Optional.ofNullable(nextRun));
    }

    /** Starts the next region when it is due, or the next batch of the current one. */
    void poll(Instant now, Queries queries, RoutingTable routing) {
        if (nextRun == null || now.isBefore(nextRun)) {
            return;
        }
        if (current != null) {
            if (current.announcing) {
                nextWave(now, queries);
            } else {
                nextRun = null;
            }
            return;
        }
        if (routing.size() == 0) {
            nextRun = null; // a peer confirming the protocol wakes the sweep
            return;
        }
        try {
            startNextRegion(now, queries);
        } catch (StoreException e) {
            failures++;
            log.warn("Reprovide sweep: reading the provided keys failed ({}); trying again in {} s", e.getMessage(),
                    RETRY_AFTER_FAILURE.toSeconds());
            nextRun = now.plus(RETRY_AFTER_FAILURE);
        }
    }

    private void startNextRegion(Instant now, Queries queries) {
        int wraps = 0;
        while (wraps < 2) {
            ProviderRecord first;
            byte[] cursor = schedule.cursor();
            try (CloseableIterator<ProviderRecord> it = store.providedFrom(cursor)) {
                first = it.hasNext() ? it.next() : null;
            }
            if (first == null) {
                if (schedule.atStart()) {
                    nextRun = null; // nothing provided: a key provided wakes the sweep
                    return;
                }
                schedule.nextCycle();
                wraps++;
                continue;
            }
            OptionalDouble size = queries.networkSizeFromLookups();
            if (size.isPresent()) {
                schedule.sizedFrom(size.getAsDouble());
            } else if (schedule.lastNetworkSize() > 0) {
                size = OptionalDouble.of(schedule.lastNetworkSize());
            } else {
                size = queries.networkSize();
            }
            int bits = regionBits(size);
            byte[] id = Keyspace.id(first.key());
            byte[] start = Keyspace.regionStart(id, bits);
            byte[] from = Arrays.compareUnsigned(start, cursor) < 0 ? cursor : start;
            Instant due = schedule.slot(from);
            if (now.isBefore(due)) {
                nextRun = due;
                return;
            }
            if (schedule.announcedLately(Keyspace.fraction(from), SweepSchedule.regionEnd(id, bits), now)) {
                // announced less than half an interval ago (a catch-up passed it just now, and the
                // next cycle's time for it came round while the catch-up ran): not again so soon
                schedule.advancePast(id, bits);
                continue;
            }
            List<ProviderRecord> keys = new ArrayList<>();
            try (CloseableIterator<ProviderRecord> it = store.providedFrom(from)) {
                while (it.hasNext()) {
                    ProviderRecord r = it.next();
                    if (!Keyspace.hasPrefix(Keyspace.id(r.key()), id, bits)) {
                        break;
                    }
                    keys.add(r);
                }
            }
            current = new Region(id, bits, from, keys, now);
            if (keys.size() <= SMALL_REGION_KEYS) {
                for (ProviderRecord r : keys) {
                    queries.startLookup(AddProviderQuery.lookup(r.key(), true));
                }
                current.keyByKey = true;
                current.lookups = keys.size();
                finishRegion(now);
                return;
            }
            nextRun = null;
            explore(id, bits, queries);
            return;
        }
        nextRun = null;
    }

    // ------------------------------------------------------------------------------------------
    // Exploration

    private void explore(byte[] prefix, int bits, Queries queries) {
        current.exploring++;
        current.lookups++;
        RecordKey target = Keyspace.keyWithPrefix(prefix, bits, random);
        queries.startLookup(new ExploreQuery(this, current, prefix, bits, target));
    }

    /** A lookup of a part of the region finished (or timed out) with these closest peers. */
    private void explored(Region region, byte[] prefix, int bits, List<PeerId> closest,
                          Map<PeerId, List<Multiaddr>> addresses, int requests, Queries queries, Instant now) {
        if (region != current) {
            return;
        }
        region.exploring--;
        region.lookupRequests += requests;
        int inside = 0;
        for (PeerId p : closest) {
            region.peers.putIfAbsent(p, addresses.getOrDefault(p, List.of()));
            if (Keyspace.hasPrefix(Key.of(p).bytes().toByteArray(), prefix, bits)) {
                inside++;
            }
        }
        if (closest.size() >= k && inside == closest.size() && bits < MAX_PREFIX_BITS) {
            // every peer found is inside: the part may hold more than k; explore both halves
            byte[] low = Keyspace.regionStart(prefix, bits); // the part's first bits, then zeros
            byte[] high = low.clone();
            high[bits / 8] |= (byte) (0x80 >>> (bits % 8));
            explore(low, bits + 1, queries);
            explore(high, bits + 1, queries);
        }
        if (region.exploring == 0) {
            // every peer of the covered part is known; a key's k closest are all inside it only when
            // it holds k peers: else its sibling (never explored yet: the part only grows) is
            // explored too, and the part covered doubles
            if (region.coverBits > 0 && region.inside(region.coverBits) < k) {
                byte[] sibling = Keyspace.regionStart(region.prefix, region.coverBits);
                int bit = region.coverBits - 1;
                sibling[bit / 8] ^= (byte) (0x80 >>> (bit % 8));
                region.coverBits--;
                explore(sibling, bit + 1, queries);
                return;
            }
            startAnnouncing(now, queries);
        }
    }

    // ------------------------------------------------------------------------------------------
    // Announcing

    private void startAnnouncing(Instant now, Queries queries) {
        Region region = current;
        if (region.peers.isEmpty()) {
            failures++;
            log.info("Reprovide sweep: no peer found for region {}/{}; trying again in {} s",
                    region.prefixText(), region.bits, RETRY_AFTER_FAILURE.toSeconds());
            current = null;
            nextRun = now.plus(RETRY_AFTER_FAILURE);
            return;
        }
        List<PeerId> peers = new ArrayList<>(region.peers.keySet());
        List<KeyBytes> peerKeys = new ArrayList<>(peers.size());
        for (PeerId p : peers) {
            peerKeys.add(Key.of(p).bytes());
        }
        Integer[] order = new Integer[peers.size()];
        io.jkad.routing.Distance[] distance = new io.jkad.routing.Distance[peers.size()];
        for (ProviderRecord r : region.keys) {
            KeyBytes target = KeyBytes.digestOf(r.key().toBytes());
            for (int i = 0; i < order.length; i++) {
                order[i] = i;
                distance[i] = target.distance(peerKeys.get(i));
            }
            Arrays.sort(order, Comparator.comparing(i -> distance[i]));
            for (int i = 0; i < Math.min(k, order.length); i++) {
                region.queue.computeIfAbsent(peers.get(order[i]), p -> new ArrayDeque<>()).add(r.key());
            }
        }
        region.announcing = true;
        region.local = new KadPeer(localId, queries.localAddresses(), ConnectionType.CONNECTED);
        nextWave(now, queries);
    }

    /** Sends the next batch to each peer that has keys left, paced to the peers' ADD_PROVIDER budget. */
    private void nextWave(Instant now, Queries queries) {
        Region region = current;
        RequestLimits.Rate rate = config.requestLimits().addProvider();
        int batch = rate.isUnlimited() ? Integer.MAX_VALUE
                : Math.max(1, (int) (region.waves == 0 ? rate.burst() * 0.8 : rate.perSecond() * WAVE_SECONDS * 0.8));
        Map<PeerId, List<KadRequest>> wave = new LinkedHashMap<>();
        for (Map.Entry<PeerId, ArrayDeque<RecordKey>> e : region.queue.entrySet()) {
            List<KadRequest> requests = new ArrayList<>();
            while (requests.size() < batch && !e.getValue().isEmpty()) {
                RecordKey key = e.getValue().poll();
                if (!region.stopped.contains(key)) {
                    requests.add(new KadRequest.AddProvider(key, region.local));
                }
            }
            if (!requests.isEmpty()) {
                wave.put(e.getKey(), requests);
            }
        }
        region.queue.values().removeIf(ArrayDeque::isEmpty);
        region.waves++;
        if (wave.isEmpty()) {
            finishRegion(now);
            return;
        }
        for (List<KadRequest> requests : wave.values()) {
            region.addProviderRequests += requests.size();
        }
        region.waveRunning = true;
        nextRun = null;
        queries.startFixed(wave.keySet(), new AnnounceQuery(this, region, wave), region.peers);
    }

    private void waveSent(Region region, Instant now, Queries queries) {
        if (region != current) {
            return;
        }
        region.waveRunning = false;
        if (region.queue.isEmpty()) {
            finishRegion(now);
        } else {
            nextRun = now.plusSeconds(WAVE_SECONDS);
        }
    }

    private void finishRegion(Instant now) {
        Region region = current;
        current = null;
        int keys = 0;
        for (ProviderRecord r : region.keys) {
            if (!region.stopped.contains(r.key())) {
                keys++;
            }
        }
        schedule.advancePast(region.prefix, region.bits);
        schedule.announced(Keyspace.fraction(region.from), SweepSchedule.regionEnd(region.prefix, region.bits), now);
        regionsDone++;
        keysAnnounced += keys;
        ReprovideReport report = new ReprovideReport(region.prefixText(), region.bits, region.cycle,
                Keyspace.fraction(region.from), keys,
                region.peers.size(), region.lookups, region.lookupRequests, region.addProviderRequests,
                region.keyByKey, region.started, now);
        lastRegion = Optional.of(report);
        events.add(new KademliaEvent.RegionReprovided(report));
        nextRun = now;
    }

    /** The region in progress. */
    private final class Region {
        final byte[] prefix;
        final int bits;
        /** Where the region's keys begin (its start, or the cursor). */
        final byte[] from;
        final long cycle = schedule.cycle();
        final List<ProviderRecord> keys;
        final Instant started;
        final Set<RecordKey> stopped = new HashSet<>();
        /** The prefix length of the part whose peers are all known (the region's, or a wider one). */
        int coverBits;
        /** The peers found, with their addresses, in the order found. */
        final Map<PeerId, List<Multiaddr>> peers = new LinkedHashMap<>();
        /** The keys still to send, per peer. */
        final Map<PeerId, ArrayDeque<RecordKey>> queue = new HashMap<>();
        int exploring;
        int lookups;
        int lookupRequests;
        int addProviderRequests;
        int waves;
        boolean announcing;
        boolean waveRunning;
        boolean keyByKey;
        KadPeer local;

        Region(byte[] prefix, int bits, byte[] from, List<ProviderRecord> keys, Instant started) {
            this.from = from;
            this.prefix = Keyspace.regionStart(prefix, bits);
            this.bits = bits;
            this.coverBits = bits;
            this.keys = keys;
            this.started = started;
        }

        /** How many of the peers found have the region's first {@code bits} bits. */
        int inside(int bits) {
            int n = 0;
            for (PeerId p : peers.keySet()) {
                if (Keyspace.hasPrefix(Key.of(p).bytes().toByteArray(), prefix, bits)) {
                    n++;
                }
            }
            return n;
        }

        String prefixText() {
            StringBuilder b = new StringBuilder(bits);
            for (int i = 0; i < bits; i++) {
                b.append((prefix[i / 8] >>> (7 - i % 8) & 1) == 1 ? '1' : '0');
            }
            return b.toString();
        }
    }

    // ------------------------------------------------------------------------------------------
    // The sweep's queries

    /** A lookup of the closest peers to a target inside a part of the region being explored. */
    static final class ExploreQuery implements QueryState {
        private final ReprovideSweep sweep;
        private final Region region;
        private final byte[] prefix;
        private final int bits;
        private final RecordKey target;

        private ExploreQuery(ReprovideSweep sweep, Region region, byte[] prefix, int bits, RecordKey target) {
            this.sweep = sweep;
            this.region = region;
            this.prefix = prefix;
            this.bits = bits;
            this.target = target;
        }

        @Override
        public QueryKind kind() {
            return QueryKind.REPROVIDE;
        }

        @Override
        public RecordKey key() {
            return target;
        }

        @Override
        public boolean isWholeLookup() {
            return true;
        }

        @Override
        public KadRequest request() {
            return new KadRequest.FindNode(target);
        }

        @Override
        public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries,
                               Instant now) {
            queries.discovered(query, source, response);
        }

        @Override
        public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
            sweep.explored(region, prefix, bits, query.resultPeers(), query.inner().addresses, query.stats().requests(),
                    queries, now);
            return Optional.empty();
        }

        @Override
        public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
            return onFinished(query, queries, now);
        }
    }

    /** One batch of ADD_PROVIDERs of a region, each peer's on one stream. */
    static final class AnnounceQuery implements QueryState {
        private final ReprovideSweep sweep;
        private final Region region;
        private final Map<PeerId, List<KadRequest>> requests;

        private AnnounceQuery(ReprovideSweep sweep, Region region, Map<PeerId, List<KadRequest>> requests) {
            this.sweep = sweep;
            this.region = region;
            this.requests = requests;
        }

        @Override
        public QueryKind kind() {
            return QueryKind.REPROVIDE;
        }

        @Override
        public QueryPhase phase() {
            return QueryPhase.ADD_PROVIDER;
        }

        @Override
        public Optional<QueryContext> context() {
            return Optional.of(QueryContext.REPUBLISH);
        }

        @Override
        public RecordKey key() {
            return RecordKey.of(region.prefix);
        }

        @Override
        public KadRequest request() {
            return requests.values().iterator().next().get(0);
        }

        @Override
        public List<KadRequest> requests(PeerId peer) {
            return requests.getOrDefault(peer, List.of(request()));
        }

        @Override
        public void onResponse(Query<QueryInner> query, PeerId source, KadResponse response, Queries queries,
                               Instant now) {
            query.onSuccess(source, List.of());
        }

        @Override
        public Optional<KademliaEvent> onFinished(Query<QueryInner> query, Queries queries, Instant now) {
            sweep.waveSent(region, now, queries);
            return Optional.empty();
        }

        @Override
        public Optional<KademliaEvent> onTimeout(Query<QueryInner> query, Queries queries, Instant now) {
            return onFinished(query, queries, now);
        }
    }
}
