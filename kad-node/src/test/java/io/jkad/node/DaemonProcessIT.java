package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code kad run} as separate processes: a SIGKILL and a restart on RocksDB; a restart whose bootstrap peer is gone. */
class DaemonProcessIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final KadProcesses processes = new KadProcesses(() -> dir);

    private KadProcess process(String name, String... args) {
        return processes.process(name, args);
    }

    @Test
    void valuesAndPeerIdSurviveSigkillOnRocksDb() throws Exception {
        KadProcess a = process("a", "--store", "rocksdb").start();
        String peerId = a.peerId();
        assertThat(Files.exists(dir.resolve("a/identity.key"))).isTrue();
        // A second node stores the copy the put's quorum needs.
        KadProcess b = process("b", "--store", "memory").start("--bootstrap", a.dialAddress());
        eventually(() -> tableSize(a) >= 1, "a to have b in its routing table", a);

        KadRun put = a.kad("put", "survivor", "written before kill -9");
        assertThat(put.exitCode()).as(put.err()).isZero();
        b.kill();
        a.kill();
        assertThat(a.isAlive()).isFalse();

        a.start();
        assertThat(a.peerId()).isEqualTo(peerId);
        KadRun get = a.kad("get", "survivor");
        assertThat(get.exitCode()).as(get.err() + a.tail()).isZero();
        assertThat(get.value()).isEqualTo("written before kill -9");
        assertThat(get.json().get("from")).isEqualTo(List.of("local"));
        KadRun status = a.kad("status");
        assertThat(status.json().get("store")).isEqualTo("rocksdb");
        assertThat(status.json().get("store_records")).isEqualTo(1L);
    }

    @Test
    void restartedNodeFindsItsNetworkFromTheSavedRoutingTableWhenItsBootstrapPeerIsGone() throws Exception {
        KadProcess boot = process("boot", "--store", "memory").start();
        String bootAddr = boot.dialAddress();
        KadProcess other = process("other", "--store", "memory").start("--bootstrap", bootAddr);
        String otherId = other.peerId();
        KadProcess c = process("c", "--store", "memory", "--bootstrap", bootAddr).start();
        eventually(() -> peers(c).contains(otherId), "c to learn of 'other' through the bootstrap peer", c);

        // A graceful stop saves the routing table.
        int code = c.terminate();
        assertThat(code).as(c.tail()).isIn(0, 143);
        String saved = Files.readString(dir.resolve("c/" + RoutingTableFile.NAME));
        assertThat(saved).contains(otherId);
        assertThat(c.logText()).contains("stopped");

        boot.kill();
        c.start(); // still --bootstrap boot, which is gone
        eventually(() -> connected(c).contains(otherId), "c to reconnect to 'other' from its saved table", c);
        assertThat(other.kad("put", "after-restart", "found again").exitCode()).isZero();
        KadRun get = c.kad("get", "after-restart");
        assertThat(get.exitCode()).as(get.err()).isZero();
        assertThat(get.value()).isEqualTo("found again");
    }

    private static long tableSize(KadProcess p) {
        KadRun r = p.kad("routing-table");
        return r.exitCode() == 0 ? (Long) r.json().get("size") : -1;
    }

    private static List<String> peers(KadProcess p) {
        return table(p, false);
    }

    private static List<String> connected(KadProcess p) {
        return table(p, true);
    }

    private static List<String> table(KadProcess p, boolean connectedOnly) {
        KadRun r = p.kad("routing-table");
        List<String> out = new ArrayList<>();
        if (r.exitCode() != 0) {
            return out;
        }
        for (Object o : (List<?>) r.json().get("peers")) {
            Map<?, ?> m = (Map<?, ?>) o;
            if (!connectedOnly || Boolean.TRUE.equals(m.get("connected"))) {
                out.add((String) m.get("peer_id"));
            }
        }
        return out;
    }

    static void eventually(BooleanSupplier condition, String what, KadProcess p) {
        try {
            Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                    .until(condition::getAsBoolean);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("timed out waiting for " + what + "; log of " + p.name + ":\n" + p.tail(), e);
        }
    }
}
