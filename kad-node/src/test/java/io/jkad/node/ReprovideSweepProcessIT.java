package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.kademlia.QueryResult;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.net.KademliaNode;
import io.jkad.net.KademliaNodeConfig;
import io.jkad.record.RecordKey;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reprovide sweep across a {@code kill -9}: two {@code kad run} processes, one on RocksDB and
 * one on H2, provide keys in a network of in-JVM nodes with a 40 s cycle of 8 regions; each is
 * killed right after a region in the middle of a cycle, and both start again on their data
 * directories. Across the two runs, every key of that cycle is announced (no region skipped), in
 * keyspace order, and none twice on RocksDB; on H2, which can reopen without its last writes
 * before a kill, the regions announced before the kill may come once more, the last ones, in order.
 * The network's nodes find the providers of every key.
 */
class ReprovideSweepProcessIT {
    private static final int PEERS = 8;
    private static final int KEYS = 160;
    private static final Pattern REGION = Pattern.compile(
            "reprovided region (\\S+)/(\\d+) of cycle (\\d+) from position ([0-9.]+): (\\d+) keys");

    @TempDir
    Path dir;

    @RegisterExtension
    final KadProcesses processes = new KadProcesses(() -> dir);

    private final List<KademliaNode> peers = new ArrayList<>();

    @AfterEach
    void closePeers() {
        peers.forEach(KademliaNode::close);
    }

    private record Region(String prefix, long cycle, double position, int keys) {}

    private static List<Region> regions(String log) {
        List<Region> out = new ArrayList<>();
        Matcher m = REGION.matcher(log);
        while (m.find()) {
            out.add(new Region(m.group(1), Long.parseLong(m.group(3)), Double.parseDouble(m.group(4)),
                    Integer.parseInt(m.group(5))));
        }
        return out;
    }

    private static long cycle(KadProcess p) {
        KadRun stat = p.kad("provide", "stat");
        assertThat(stat.exitCode()).as(stat.err() + p.tail()).isZero();
        return (Long) stat.json().get("cycle");
    }

    @Test
    void aKilledNodeResumesItsCycleWithoutSkippingOrRepeatingARegion() throws Exception {
        KademliaNode first = null;
        for (int i = 0; i < PEERS; i++) {
            KademliaNode n = KademliaNode.start(KademliaNodeConfig.builder(Ed25519KeyPair.generate())
                    .listen(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")).ioThreads(1).build());
            peers.add(n);
            if (first == null) {
                first = n;
            } else {
                n.addAddress(first.peerId(), first.listenAddresses().get(0)).get(10, TimeUnit.SECONDS);
                n.bootstrap().get(30, TimeUnit.SECONDS);
            }
        }
        String boot = first.listenAddresses().get(0).withPeerId(first.peerId()).toString();
        List<KadProcess> providers = List.of(
                processes.process("rocksdb", "--store", "rocksdb", "--reprovide-interval", "40s",
                        "--reprovide-region-bits", "3", "--bootstrap", boot),
                processes.process("h2", "--store", "jdbc", "--reprovide-interval", "40s",
                        "--reprovide-region-bits", "3", "--bootstrap", boot));
        List<List<String>> keys = new ArrayList<>();
        for (KadProcess p : providers) {
            p.start();
            List<String> hex = new ArrayList<>();
            for (int i = 0; i < KEYS; i++) {
                String key = HexFormat.of().formatHex(("swept by " + p.peerId() + " " + i).getBytes());
                Map<String, Object> r = p.apiPost("/v1/provide", Map.of("key_hex", key));
                assertThat(r.get("ok")).as("%s", r).isEqualTo(true);
                hex.add(key);
            }
            keys.add(hex);
        }
        // the second cycle after the one in which the keys were provided (the first may pass over
        // regions the start-up's catch-up announced less than half an interval before), killed in
        // its middle
        long[] observed = new long[2];
        for (int i = 0; i < 2; i++) {
            observed[i] = cycle(providers.get(i)) + 2;
        }
        // each killed as soon as it is past the middle of that cycle; both started again once both are down
        int[] before = new int[2];
        boolean[] killed = new boolean[2];
        Awaitility.await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(100)).until(() -> {
            for (int i = 0; i < 2; i++) {
                long c = observed[i];
                KadProcess p = providers.get(i);
                if (!killed[i] && regions(p.logText()).stream().anyMatch(r -> r.cycle() == c && r.position() >= 0.375)) {
                    p.kill();
                    killed[i] = true;
                    before[i] = (int) regions(p.logText()).stream().filter(r -> r.cycle() == c).count();
                }
            }
            return killed[0] && killed[1];
        });
        for (KadProcess p : providers) {
            p.start();
        }
        // until each log has a region of a later cycle: every region of the observed one is then in it
        Awaitility.await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            for (int i = 0; i < 2; i++) {
                long c = observed[i];
                if (regions(providers.get(i).logText()).stream().noneMatch(r -> r.cycle() > c)) {
                    return false;
                }
            }
            return true;
        });

        for (int i = 0; i < 2; i++) {
            KadProcess p = providers.get(i);
            long c = observed[i];
            List<Region> cycleRegions = regions(p.logText()).stream().filter(r -> r.cycle() == c).toList();
            assertThat(cycleRegions.size()).as(p.tail()).isGreaterThan(before[i]);
            assertThat(before[i]).as("regions before the kill").isGreaterThan(0);
            List<Region> beforeKill = cycleRegions.subList(0, before[i]);
            List<Region> afterRestart = cycleRegions.subList(before[i], cycleRegions.size());
            List<Region> repeated = afterRestart.stream()
                    .filter(r -> beforeKill.stream().anyMatch(b -> b.position() == r.position())).toList();
            if (i == 0) {
                // RocksDB: the schedule saved after the last region is there after the kill
                assertThat(repeated).as("regions announced again after the restart: %s", cycleRegions).isEmpty();
            } else {
                // H2 can reopen without its last writes before a kill -9 when they came seconds apart
                // (bench/h2-kill; the README says so): then the regions whose saves it lost, the last
                // ones before the kill, come again, once each and in order (seen: one, two, and all
                // four of the cycle)
                List<Double> lastBeforeKill = beforeKill.subList(beforeKill.size() - repeated.size(), beforeKill.size())
                        .stream().map(Region::position).toList();
                assertThat(repeated.stream().map(Region::position).toList())
                        .as("regions announced again after the restart: %s", cycleRegions)
                        .isEqualTo(lastBeforeKill);
            }
            List<Region> once = new ArrayList<>(beforeKill);
            once.addAll(afterRestart.subList(repeated.size(), afterRestart.size()));
            if (i == 0) {
                assertThat(once.stream().mapToInt(Region::keys).sum()).as("each key once in cycle %d: %s", c, cycleRegions)
                        .isEqualTo(KEYS);
            } else {
                // when H2 lost the save that closed the cycle before, the restart announces that
                // cycle's last region again (logged with its number) and the observed cycle passes
                // over it as announced lately: every part of the keyspace is announced between the
                // first region of the observed cycle and the first of the next, under either number
                List<Region> all = regions(p.logText());
                List<Region> window = all.subList(
                        all.indexOf(cycleRegions.get(0)),
                        all.indexOf(all.stream().filter(r -> r.cycle() > c).findFirst().orElseThrow()));
                Map<String, Integer> covered = new TreeMap<>();
                window.forEach(r -> covered.merge(r.prefix(), r.keys(), Math::max));
                assertThat(covered.values().stream().mapToInt(Integer::intValue).sum())
                        .as("every key announced from the start of cycle %d to the next: %s", c, window).isEqualTo(KEYS);
            }
            for (int j = 1; j < once.size(); j++) {
                assertThat(once.get(j).position()).as("%s", cycleRegions).isGreaterThan(once.get(j - 1).position());
            }
        }
        // and the network finds them: every key's provider, from a node of the network
        KademliaNode reader = peers.get(PEERS - 1);
        for (int i = 0; i < 2; i++) {
            PeerId provider = PeerId.parse(providers.get(i).peerId());
            for (String hex : keys.get(i).subList(0, 20)) {
                QueryResult.GetProviders found = reader.getProviders(RecordKey.of(HexFormat.of().parseHex(hex)), 1)
                        .get(60, TimeUnit.SECONDS);
                assertThat(found.providers()).contains(provider);
            }
        }
    }
}
