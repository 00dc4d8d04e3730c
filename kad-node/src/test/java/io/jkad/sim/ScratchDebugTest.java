package io.jkad.sim;

import io.jkad.identity.PeerId;
import io.jkad.kademlia.*;
import io.jkad.record.*;
import io.jkad.routing.KeyBytes;
import java.time.Duration;
import java.util.*;
import org.junit.jupiter.api.Test;

class ScratchDebugTest {
    @Test
    void debug() {
        for (long seed : new long[]{61, 62, 63}) {
            for (boolean disjoint : new boolean[]{false, true}) {
                KademliaConfig config = KademliaConfig.builder().replicationFactor(8).disjointQueryPaths(disjoint).build();
                SimConfig sc = SimConfig.defaults(seed, id -> RecordStores.open("memory", StoreConfig.defaults(id))).withKademlia(config);
                SimNetwork net = new SimNetwork(sc);
                net.setAdversarialFraction(0.2); net.addAndBootstrap(500, 50);
                
                Random rnd = new Random(5);
                List<SimNode> honest = net.onlineHonestNodes();
                double prec = 0; int top1 = 0; int top5all = 0; long msgs = 0; int lookups = 100;
                for (int i = 0; i < lookups; i++) {
                    SimNode source = honest.get(rnd.nextInt(honest.size()));
                    byte[] target = new byte[32]; rnd.nextBytes(target);
                    var o = net.run(source, k -> k.getClosestPeers(RecordKey.of(target)), Duration.ofMinutes(5));
                    List<PeerId> found = ((QueryResult.GetClosestPeers) o.result()).peers();
                    List<SimNode> truth = net.trueClosest(KeyBytes.digestOf(target), 9, false);
                    truth.remove(source); if (truth.size() > 8) truth = truth.subList(0, 8);
                    Set<PeerId> t = new HashSet<>(); truth.forEach(n -> t.add(n.id()));
                    prec += found.stream().filter(t::contains).count() / (double) t.size();
                    if (found.contains(truth.get(0).id())) top1++;
                    msgs += o.stats().requests();
                }
                System.out.printf("seed %d disjoint %s precision %.3f top1 %d msgs %.1f%n", seed, disjoint, prec / lookups, top1, msgs / (double) lookups);
            }
        }
    }
}
