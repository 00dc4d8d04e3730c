package io.jkad.netns;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The namespace network itself: addresses, reachability both families, a cut and its repair, cleanup. */
class NetNsIT {

    /**
     * Whether {@code from} reaches {@code ip}: a TCP connect to a closed port is refused by a
     * host that is reachable, and fails otherwise (no route, or no answer within 3 s).
     */
    private static boolean reaches(NetNs net, NetNs.Host from, String ip) {
        NetNs.Result r = net.run(from, "timeout", "3", "bash", "-c", "echo > /dev/tcp/" + ip + "/9");
        return r.output().contains("Connection refused");
    }

    private static List<String> namespaces() {
        return List.of(NetNs.run(List.of("ip", "netns", "list")).output().split("\\R")).stream()
                .map(l -> l.strip().split("\\s+")[0]).filter(n -> !n.isEmpty()).toList();
    }

    @Test
    void hostsReachEachOtherOverBothFamiliesUntilCutAndEverythingIsRemoved() throws Exception {
        // A namespace left by a killed run (its JVM's pid is gone) is removed at start.
        Process gone = new ProcessBuilder("true").start();
        gone.waitFor();
        String stale = NetNs.PREFIX + gone.pid() + "-h1";
        NetNs.Result made = NetNs.run(List.of("ip", "netns", "add", stale));
        List<String> names;
        try (NetNs net = NetNs.create(NetNs.options().hosts(3))) {
            if (made.ok()) {
                assertThat(namespaces()).doesNotContain(stale);
            }
            names = net.hosts().stream().map(NetNs.Host::name).toList();
            assertThat(namespaces()).containsAll(names);
            NetNs.Host h1 = net.host(1);
            NetNs.Host h2 = net.host(2);
            NetNs.Host h3 = net.host(3);
            assertThat(h1.ipv4()).isEqualTo("10.201.0.2");
            assertThat(h2.ipv6()).isEqualTo("fd00:201::3");
            assertThat(net.run(h2, "ip", "addr", "show", "dev", "eth0").output())
                    .contains("inet 10.201.0.3/24", "inet6 fd00:201::3/64");
            System.out.println("links: " + net.shaping());

            assertThat(reaches(net, h1, h2.ipv4())).isTrue();
            assertThat(reaches(net, h1, h2.ipv6())).isTrue();
            assertThat(reaches(net, h3, h1.ipv4())).isTrue();

            net.cut(h2);
            assertThat(reaches(net, h1, h2.ipv4())).isFalse();
            assertThat(reaches(net, h1, h2.ipv6())).isFalse();
            assertThat(reaches(net, h3, h1.ipv4())).as("the others are not cut").isTrue();

            net.restore(h2);
            assertThat(reaches(net, h1, h2.ipv4())).isTrue();
            assertThat(reaches(net, h2, h3.ipv6())).isTrue();
        }
        assertThat(namespaces()).doesNotContainAnyElementsOf(names)
                .noneMatch(n -> n.startsWith(NetNs.PREFIX + ProcessHandle.current().pid() + "-"));
    }
}
