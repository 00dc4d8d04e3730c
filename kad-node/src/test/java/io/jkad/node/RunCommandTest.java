package io.jkad.node;

import static io.jkad.node.KadRun.kad;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code kad run}'s argument checks and start failures (a running daemon is tested in DaemonApiTest and the ITs). */
class RunCommandTest {

    @TempDir
    Path dir;

    @Test
    void misspeltStoreFailsAtStartWithTheNamesFound() {
        KadRun r = kad("run", "--store", "rocksd", "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", dir.toString(),
                "--api", "off");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("No RecordStore named 'rocksd'; found [jdbc, memory, rocksdb]")
                .contains("Did you mean 'rocksdb'?");
    }

    @Test
    void apiMustBeLoopback() {
        KadRun r = kad("run", "--api", "0.0.0.0:5380", "--data-dir", dir.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--api must be a loopback address");
    }

    @Test
    void badOptionsAreUsageErrors() {
        assertThat(kad("run", "--listen", "/ip4/1.2.3/tcp/1", "--data-dir", dir.toString()).err())
                .contains("--listen: not a multiaddr: /ip4/1.2.3/tcp/1");
        assertThat(kad("run", "--bootstrap", "/ip4/127.0.0.1/tcp/4001", "--data-dir", dir.toString()).err())
                .contains("a bootstrap address must be")
                .contains("/p2p/<peer id>: /ip4/127.0.0.1/tcp/4001");
        KadRun interval = kad("run", "--bootstrap-interval", "often", "--data-dir", dir.toString());
        assertThat(interval.exitCode()).isEqualTo(2);
        assertThat(interval.err()).contains("--bootstrap-interval must be a duration like 30s, 5m, 1h: often");
        assertThat(kad("run", "--log-level", "loud").err()).contains("--log-level must be");
    }

    @Test
    void durations() {
        assertThat(RunCommand.parseDuration("x", "250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(RunCommand.parseDuration("x", "30s")).isEqualTo(Duration.ofSeconds(30));
        assertThat(RunCommand.parseDuration("x", "5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(RunCommand.parseDuration("x", "2h")).isEqualTo(Duration.ofHours(2));
        assertThat(RunCommand.parseDuration("x", "PT1M")).isEqualTo(Duration.ofMinutes(1));
        assertThatThrownBy(() -> RunCommand.parseDuration("--x", "0s")).hasMessage("--x must be > 0: 0s");
    }

    @Test
    void sizesAndAdmissionOptions() {
        assertThat(RunCommand.parseSize("x", "64m")).isEqualTo(64L << 20);
        assertThat(RunCommand.parseSize("x", "1GiB")).isEqualTo(1L << 30);
        assertThat(RunCommand.parseSize("x", "512kb")).isEqualTo(512L << 10);
        assertThat(RunCommand.parseSize("x", "4096")).isEqualTo(4096);
        assertThatThrownBy(() -> RunCommand.parseSize("--max-memory", "lots"))
                .hasMessage("--max-memory must be a size like 64m, 1g or a number of bytes: lots");
        assertThatThrownBy(() -> RunCommand.parseSize("--max-memory", "99999999999g"))
                .hasMessageContaining("must be a size");
        KadRun memory = kad("run", "--max-memory", "100k", "--data-dir", dir.toString());
        assertThat(memory.exitCode()).isEqualTo(2);
        assertThat(memory.err()).contains("--max-memory must be at least 1 MiB");
        assertThat(kad("run", "--max-connections", "0", "--data-dir", dir.toString()).err())
                .contains("--max-connections must be >= 1");
        assertThat(kad("run", "--max-handshakes-per-ip", "-1", "--data-dir", dir.toString()).err())
                .contains("--max-handshakes-per-ip must be >= 1");
    }

    @Test
    void requestLimitsOption() {
        assertThat(RunCommand.parseRequestLimits("default")).isEqualTo(io.jkad.kademlia.RequestLimits.DEFAULTS);
        assertThat(RunCommand.parseRequestLimits("Unlimited")).isEqualTo(io.jkad.kademlia.RequestLimits.UNLIMITED);
        io.jkad.kademlia.RequestLimits l = RunCommand.parseRequestLimits("10000:20000");
        assertThat(l.findNode()).isEqualTo(new io.jkad.kademlia.RequestLimits.Rate(10000, 20000));
        assertThat(l.addProvider()).isEqualTo(l.findNode());
        assertThat(l.ping()).isEqualTo(io.jkad.kademlia.RequestLimits.DEFAULTS.ping());
        assertThatThrownBy(() -> RunCommand.parseRequestLimits("fast")).hasMessageContaining("--request-limits must be");
        assertThatThrownBy(() -> RunCommand.parseRequestLimits("0:10")).hasMessageContaining("--request-limits must be");
        assertThat(kad("run", "--request-limits", "10:0", "--data-dir", dir.toString()).err())
                .contains("--request-limits must be");
    }

    @Test
    void aDamagedKeyFileIsReportedNotReplaced() throws Exception {
        Path key = dir.resolve("identity.key");
        java.nio.file.Files.write(key, new byte[] {1, 2, 3});
        KadRun r = kad("run", "--listen", "/ip4/127.0.0.1/tcp/0", "--data-dir", dir.toString(), "--api", "off");
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("key file " + key + " does not hold a libp2p Ed25519 private key (3 bytes)");
        assertThat(java.nio.file.Files.readAllBytes(key)).containsExactly(1, 2, 3);
    }

    @Test
    void keyFileKeepsThePeerId() throws Exception {
        Path key = dir.resolve("sub/key");
        KeyFile.Loaded first = KeyFile.loadOrCreate(key);
        assertThat(first.created()).isTrue();
        KeyFile.Loaded second = KeyFile.loadOrCreate(key);
        assertThat(second.created()).isFalse();
        assertThat(second.key().peerId()).isEqualTo(first.key().peerId());
        assertThat(java.nio.file.Files.getPosixFilePermissions(key))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
    }
}
