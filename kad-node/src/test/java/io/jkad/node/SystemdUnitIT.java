package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dist/systemd/jkad.service} as systemd would run it: its {@code ExecStart} command with its
 * {@code Environment}, the paths it names replaced by this build's java and jar and a temporary
 * state directory, and free ports given the way an operator would (the environment file's
 * variables). Then SIGTERM, as systemd stops it: the node must stop gracefully and exit 0, which
 * {@code Restart=on-failure} takes as a clean stop.
 */
class SystemdUnitIT {

    private static final Path UNIT = Path.of("..", "dist", "systemd", "jkad.service");

    @TempDir
    Path dir;

    @Test
    void theUnitsCommandRunsTheNodeAndSigtermStopsItWithExitZero() throws Exception {
        List<String> lines = Files.readAllLines(UNIT, StandardCharsets.UTF_8);
        Map<String, String> env = new LinkedHashMap<>();
        String execStart = null;
        for (String line : lines) {
            if (line.startsWith("Environment=")) {
                String kv = line.substring("Environment=".length());
                env.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
            } else if (line.startsWith("ExecStart=")) {
                execStart = line.substring("ExecStart=".length());
            }
        }
        assertThat(lines).contains("KillSignal=SIGTERM", "Restart=on-failure");
        assertThat(execStart).as("ExecStart in %s", UNIT).isNotNull().endsWith(" run");
        assertThat(env).containsKeys("JKAD_DATA_DIR", "JKAD_STORE", "JKAD_LISTEN", "JKAD_API");

        List<String> java = KadProcess.javaCommand();
        assertThat(java).as("the shaded jar is built (mvn package) before the ITs").contains("-jar");
        String jar = java.get(java.indexOf("-jar") + 1);
        List<String> cmd = new ArrayList<>();
        for (String word : execStart.split(" ")) {
            cmd.add(switch (word) {
                case "/usr/bin/java" -> java.get(0);
                case "/opt/jkad/kad.jar" -> jar;
                default -> word;
            });
        }
        // what StateDirectory= and the operator's environment file would give
        Path state = dir.resolve("var-lib-jkad");
        Files.createDirectories(state);
        int apiPort = KadRun.freePort();
        env.put("JKAD_DATA_DIR", state.toString());
        env.put("JKAD_LISTEN", "/ip4/127.0.0.1/tcp/" + KadRun.freePort());
        env.put("JKAD_API", "127.0.0.1:" + apiPort);
        env.put("JKAD_LOG_FORMAT", "json"); // for a log collector: one JSON object per line
        env.put("JKAD_LOG_LEVEL", "info,io.jkad.node.Daemon=debug");

        Path out = dir.resolve("stdout");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                .redirectError(dir.resolve("stderr").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("JKAD_") || k.startsWith("XDG_"));
        pb.environment().put("XDG_CONFIG_HOME", dir.resolve("no-config").toString());
        pb.environment().putAll(env);
        Process p = pb.start();
        try {
            String ready = Awaitility.await("the ready line").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> readyLine(out, p), r -> r != null);
            Map<String, Object> json = Json.parseObject(ready);
            assertThat(json.get("api")).isEqualTo("127.0.0.1:" + apiPort);
            assertThat(json.get("bootstrap")).isEqualTo("no_bootstrap_peers");
            assertThat(Files.exists(state.resolve("store-rocksdb"))).isTrue();
            assertThat(Files.readString(state.resolve(DataDirLock.NAME))).startsWith("pid " + p.pid());

            // a second node on the same directory is refused, and told which process holds it
            KadRun second = KadRun.kad("run", "--data-dir", state.toString(), "--listen", "/ip4/127.0.0.1/tcp/0",
                    "--api", "off");
            assertThat(second.exitCode()).isEqualTo(1);
            assertThat(second.err()).contains("is in use by another node (pid " + p.pid() + ", started ");

            p.destroy(); // SIGTERM, as systemctl stop sends
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stopped within TimeoutStopSec").isTrue();
            String printed = Files.readString(out);
            assertThat(p.exitValue()).as(printed + Files.readString(dir.resolve("stderr"))).isZero();
            assertThat(printed).contains("stopped: ").contains("store rocksdb closed")
                    .contains("\"event\":\"stopped\"").contains("\"signal\":\"SIGTERM\"");
            assertThat(Files.readString(state.resolve(DataDirLock.NAME))).isEmpty();
            List<String> logs = Files.readAllLines(dir.resolve("stderr"));
            assertThat(logs).isNotEmpty().allSatisfy(line -> assertThat(Json.parseObject(line)).containsKeys("level",
                    "loggerName", "message"));
            assertThat(logs).anyMatch(l -> l.contains("\"level\":\"DEBUG\"") && l.contains("io.jkad.node.Daemon"))
                    .noneMatch(l -> l.contains("\"level\":\"DEBUG\"") && !l.contains("io.jkad.node.Daemon"))
                    .anyMatch(l -> l.contains("stopped: "));
        } finally {
            p.destroyForcibly();
        }
    }

    private static String readyLine(Path out, Process p) throws Exception {
        if (!p.isAlive()) {
            throw new AssertionError("kad run exited with " + p.exitValue() + ": " + Files.readString(out));
        }
        return Arrays.stream(Files.readString(out).split("\n")).filter(l -> l.contains("\"event\":\"ready\""))
                .findFirst().orElse(null);
    }
}
