package io.jkad.kademlia;

import static io.jkad.kademlia.Drive.drain;
import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.TestRecordStore;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** {@link Kademlia#jobs()}: each periodic job's interval, last start and next run, as the jobs run. */
class JobScheduleTest {
    private static final Instant T0 = Instant.parse("2030-01-01T00:00:00Z");
    private final Random random = new Random(3);
    private final PeerId local = PeerId.random(random);

    private static Map<String, JobSchedule> byName(Kademlia k) {
        return k.jobs().stream().collect(Collectors.toMap(JobSchedule::name, Function.identity()));
    }

    @Test
    void theScheduleFollowsTheJobs() {
        try (RecordStore store = new TestRecordStore(StoreConfig.defaults(local))) {
            Kademlia k = new Kademlia(local, store, KademliaConfig.builder()
                    .bootstrapInterval(Optional.of(Duration.ofMinutes(5)))
                    .replicationInterval(Optional.of(Duration.ofHours(1)))
                    .publicationInterval(Optional.of(Duration.ofHours(24)))
                    .providerPublicationInterval(Optional.of(Duration.ofHours(12))).build(), T0, new Random(4));
            Map<String, JobSchedule> s = byName(k);
            assertThat(s.keySet()).containsExactlyInAnyOrder("bootstrap", "provider_republication",
                    "record_replication", "record_republication");
            assertThat(s.get("bootstrap")).isEqualTo(new JobSchedule("bootstrap", Duration.ofMinutes(5),
                    Optional.empty(), false, Optional.of(T0.plus(Duration.ofMinutes(5)))));
            assertThat(s.get("provider_republication").next()).contains(T0.plus(Duration.ofHours(12)));
            assertThat(s.get("record_replication").next()).contains(T0.plus(Duration.ofHours(1)));
            assertThat(s.get("record_republication").next()).contains(T0.plus(Duration.ofHours(24)));
            assertThat(s.values()).allSatisfy(j -> assertThat(j.lastStart()).isEmpty());

            k.addAddress(PeerId.random(random), Multiaddr.parse("/ip4/10.0.0.1/tcp/4001"), T0);
            k.putRecord(DhtRecord.of(RecordKey.of("k".getBytes(StandardCharsets.UTF_8)), new byte[] {1}), Quorum.ONE, T0);
            drain(k, T0);

            // the bootstrap and a replication run (of the one record) start at T0 + 1 h
            Instant t1 = T0.plus(Duration.ofHours(1));
            drain(k, t1);
            s = byName(k);
            assertThat(s.get("bootstrap").lastStart()).contains(t1);
            assertThat(s.get("bootstrap").next()).contains(t1.plus(Duration.ofMinutes(5)));
            assertThat(s.get("record_replication").lastStart()).contains(t1);
            assertThat(s.get("record_replication").running()).isFalse();
            assertThat(s.get("record_replication").next()).contains(t1.plus(Duration.ofHours(1)));
            assertThat(s.get("record_republication").lastStart()).isEmpty();
            assertThat(s.get("record_republication").next()).contains(T0.plus(Duration.ofHours(24)));

            // at T0 + 24 h the replication run is a publication run; the provider job ran at 12 h
            Instant t24 = T0.plus(Duration.ofHours(24));
            drain(k, t24);
            s = byName(k);
            assertThat(s.get("record_republication").lastStart()).contains(t24);
            assertThat(s.get("record_republication").next()).contains(t24.plus(Duration.ofHours(24)));
            assertThat(s.get("provider_republication").lastStart()).contains(t24);
            assertThat(s.get("provider_republication").next()).contains(t24.plus(Duration.ofHours(12)));
        }
    }
}
