package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.interop.PeerCommands;
import io.jkad.interop.InteropPeer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two {@code kad run} processes and a js-libp2p node ({@code @libp2p/kad-dht}) in one network:
 * put/get and provide/find-providers across them, the jkad side through the client commands.
 * Skipped where node is not installed (except under CI, where it fails).
 */
class DaemonJsIT {

    @TempDir
    Path dir;

    @RegisterExtension
    final KadProcesses processes = new KadProcesses(() -> dir);
    private InteropPeer js;

    @AfterEach
    void stopJs() {
        if (js != null) {
            js.close();
        }
    }

    private KadProcess process(String name, String... args) {
        return processes.process(name, args);
    }

    @Test
    void putGetProvideAndFindAcrossTwoKadNodesAndJs() throws Exception {
        KadProcess a = process("a", "--store", "rocksdb").start();
        KadProcess b = process("b", "--store", "memory").start("--bootstrap", a.dialAddress());
        String idA = a.peerId();
        String idB = b.peerId();
        js = InteropPeer.start(InteropPeer.options().bootstrap(a.dialAddress(), b.dialAddress()));
        String jsId = js.peerId();
        DaemonProcessIT.eventually(() -> peerIds(a).contains(jsId) && peerIds(b).contains(jsId)
                && js.routingTable().contains(idA) && js.routingTable().contains(idB), "all three to know each other", a);

        String run = Long.toHexString(new Random().nextLong());
        // jkad a puts; jkad b and js get it.
        String key1 = "/jkad/daemon-js/" + run + "/from-a";
        KadRun put = a.kad("put", key1, "put by kad a", "--quorum", "2");
        assertThat(put.exitCode()).as(put.err()).isZero();
        assertThat(put.strings("stored_at")).contains(idB, jsId);
        KadRun getB = b.kad("get", key1, "--quorum", "3");
        assertThat(getB.exitCode()).as(getB.err()).isZero();
        assertThat(getB.value()).isEqualTo("put by kad a");
        assertThat(new String(js.get(key1.getBytes(StandardCharsets.UTF_8)).value(), StandardCharsets.UTF_8))
                .isEqualTo("put by kad a");

        // js puts; both kad nodes get it, b asking the network (its own copy and two answers).
        String key2 = "/jkad/daemon-js/" + run + "/from-js";
        PeerCommands.PutResult jsPut = js.put(key2.getBytes(StandardCharsets.UTF_8), "put by js".getBytes(StandardCharsets.UTF_8));
        assertThat(jsPut.storedAt()).contains(idA, idB);
        for (KadProcess p : List.of(a, b)) {
            KadRun get = p.kad("get", key2, "--quorum", "3");
            assertThat(get.exitCode()).as(get.err()).isZero();
            assertThat(get.value()).startsWith("put by js");
            assertThat(get.strings("from")).contains(jsId);
        }

        // b provides; js and a find it. js provides; a finds it.
        String content = "daemon-js content " + run;
        assertThat(b.kad("provide", content).exitCode()).isZero();
        byte[] multihash = DisplayKeys.multihash(content.getBytes(StandardCharsets.UTF_8));
        assertThat(js.findProviders(multihash, 1)).extracting(PeerCommands.PeerInfo::peerId).contains(idB);
        KadRun providers = a.kad("providers", content);
        assertThat(providers.exitCode()).as(providers.err()).isZero();
        assertThat(providers.strings("providers")).contains(idB);

        byte[] jsContent = DisplayKeys.multihash(("js content " + run).getBytes(StandardCharsets.UTF_8));
        js.provide(jsContent);
        // ADD_PROVIDER has no answer: js's provide returns once sent, so a look-up may come first.
        String hex = java.util.HexFormat.of().formatHex(jsContent);
        DaemonProcessIT.eventually(() -> {
            KadRun r = a.kad("providers", hex, "--hex");
            return r.exitCode() == 0 && r.strings("providers").contains(jsId);
        }, "a to find js as a provider", a);

        // kad peer finds js's addresses.
        KadRun peer = b.kad("peer", jsId);
        assertThat(peer.exitCode()).as(peer.err()).isZero();
        assertThat(peer.strings("addrs")).isNotEmpty();
    }

    private static List<String> peerIds(KadProcess p) {
        KadRun r = p.kad("routing-table");
        List<String> out = new ArrayList<>();
        if (r.exitCode() == 0) {
            for (Object o : (List<?>) r.json().get("peers")) {
                out.add((String) ((Map<?, ?>) o).get("peer_id"));
            }
        }
        return out;
    }
}
