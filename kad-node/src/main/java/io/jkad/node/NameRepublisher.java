package io.jkad.node;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.kademlia.Quorum;
import io.jkad.net.KademliaNode;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.validation.IpnsRecord;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the node's own IPNS name alive while it runs: every {@link #EVERY}, if the node's record
 * (published with {@code kad name publish}, so in its store with the node as publisher) has less
 * than {@link #REFRESH_BELOW} of validity left, it is signed again — same value, same sequence,
 * validity extended to {@link IpnsRecord#DEFAULT_LIFETIME} from now — and put again. This is what
 * Kubo's republisher does; a record already past its validity is left to expire. (Between these
 * runs the node's periodic record republication sends the record as it is.)
 */
final class NameRepublisher {

    private static final Logger LOG = LoggerFactory.getLogger(NameRepublisher.class);

    /** How often the record is looked at. */
    static final Duration EVERY = Duration.ofHours(1);
    /** Less validity than this left: sign again. */
    static final Duration REFRESH_BELOW = IpnsRecord.DEFAULT_LIFETIME.dividedBy(2);

    private final KademliaNode node;
    private final Ed25519KeyPair identity;
    private final RecordStore store;
    private volatile Instant last;

    NameRepublisher(KademliaNode node, Ed25519KeyPair identity, RecordStore store) {
        this.node = node;
        this.identity = identity;
        this.store = store;
    }

    /** When it last signed the record again, if it did. */
    Optional<Instant> last() {
        return Optional.ofNullable(last);
    }

    /**
     * Looks at the node's record at {@code now} and signs it again if its validity is running out.
     *
     * @return the record put again, if one was
     */
    Optional<DhtRecord> runOnce(Instant now) {
        RecordKey key = IpnsRecord.keyOf(identity.peerId());
        Optional<DhtRecord> held = store.get(key)
                .filter(r -> r.publisher().map(identity.peerId()::equals).orElse(false));
        if (held.isEmpty()) {
            return Optional.empty();
        }
        IpnsRecord current;
        try {
            current = IpnsRecord.parse(held.get().value());
        } catch (IllegalArgumentException e) {
            LOG.warn("the node's own IPNS record does not read: {}", e.getMessage());
            return Optional.empty();
        }
        if (!now.isBefore(current.validity()) || Duration.between(now, current.validity()).compareTo(REFRESH_BELOW) >= 0) {
            return Optional.empty();
        }
        byte[] bytes = IpnsRecord.create(identity.publicKey().encodeProtobuf(), identity::sign, false, current.value(),
                current.sequence(), now.plus(IpnsRecord.DEFAULT_LIFETIME), current.ttl(), true);
        DhtRecord again = DhtRecord.of(key, bytes);
        try {
            // waited for: the next check must find this record in the store, not the one it replaces
            node.putRecord(again, Quorum.ONE).get(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            LOG.info("the node's IPNS record was signed again but not sent to enough peers: {}", e.toString());
        }
        last = now;
        LOG.info("IPNS name {} signed again: valid until {}", identity.peerId().toIpnsName(),
                now.plus(IpnsRecord.DEFAULT_LIFETIME));
        return Optional.of(again);
    }
}
