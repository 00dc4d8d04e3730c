package io.jkad.node;

import static io.jkad.node.KadRun.kadWithEnv;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Options from {@code JKAD_…} environment variables and the config file, and the XDG default data
 * directory. The {@code --api} address a client command contacts shows which source won: nothing
 * listens there, and the error names it.
 */
class OptionDefaultsTest {

    @TempDir
    Path dir;

    private static String target(KadRun r) {
        assertThat(r.exitCode()).as(r.err()).isEqualTo(ClientCommands.EXIT_NOT_RUNNING);
        return r.err();
    }

    @Test
    void theEnvironmentSetsAnOptionAndTheCommandLineWins() {
        int envPort = KadRun.freePort();
        int argPort = KadRun.freePort();
        Map<String, String> env = Map.of("JKAD_API", "127.0.0.1:" + envPort, "XDG_CONFIG_HOME", dir.toString());
        assertThat(target(kadWithEnv(env, "status"))).contains("no node is running at 127.0.0.1:" + envPort);
        assertThat(target(kadWithEnv(env, "status", "--api", "127.0.0.1:" + argPort)))
                .contains("127.0.0.1:" + argPort);
    }

    @Test
    void theConfigFileSetsWhatTheEnvironmentDoesNot() throws Exception {
        int filePort = KadRun.freePort();
        int envPort = KadRun.freePort();
        Path config = dir.resolve("jkad/config");
        Files.createDirectories(config.getParent());
        Files.writeString(config, "# a comment\napi = 127.0.0.1:" + filePort + "\n");
        // found at $XDG_CONFIG_HOME/jkad/config
        Map<String, String> env = Map.of("XDG_CONFIG_HOME", dir.toString());
        assertThat(target(kadWithEnv(env, "status"))).contains("127.0.0.1:" + filePort);
        // named with --config, anywhere on the line
        Path other = dir.resolve("other.conf");
        Files.writeString(other, "api=127.0.0.1:" + envPort + "\n");
        assertThat(target(kadWithEnv(env, "status", "--config", other.toString()))).contains("127.0.0.1:" + envPort);
        assertThat(target(kadWithEnv(Map.of("JKAD_CONFIG", other.toString()), "status")))
                .contains("127.0.0.1:" + envPort);
        // the environment beats the file
        Map<String, String> both = Map.of("XDG_CONFIG_HOME", dir.toString(), "JKAD_API", "127.0.0.1:" + envPort);
        assertThat(target(kadWithEnv(both, "status"))).contains("127.0.0.1:" + envPort);
    }

    @Test
    void aBadValueFromTheEnvironmentIsAUsageError() {
        KadRun r = kadWithEnv(Map.of("JKAD_MAX_CONNECTIONS", "0", "XDG_CONFIG_HOME", dir.toString()),
                "run", "--data-dir", dir.resolve("node").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--max-connections must be >= 1");
    }

    @Test
    void aTypoInTheConfigFileIsAnErrorNotIgnored() throws Exception {
        Path config = dir.resolve("typo.conf");
        Files.writeString(config, "data-dri = /var/lib/jkad\napi = 127.0.0.1:5380\n");
        KadRun r = kadWithEnv(Map.of(), "status", "--config", config.toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).isEqualToIgnoringNewLines("kad: the config file " + config
                + " sets options no command has: data-dri");
        KadRun missing = kadWithEnv(Map.of(), "status", "--config", dir.resolve("absent").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("cannot read the config file");
    }

    @Test
    void theDataDirectoryDefaultsToTheXdgDataHome() {
        assertThat(OptionDefaults.defaultDataDir(Map.of("XDG_DATA_HOME", "/srv/data")))
                .isEqualTo(Path.of("/srv/data/jkad"));
        // relative values are ignored, as the XDG specification says
        assertThat(OptionDefaults.defaultDataDir(Map.of("XDG_DATA_HOME", "rel")))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local/share/jkad"));
        assertThat(OptionDefaults.defaultDataDir(Map.of()))
                .isEqualTo(Path.of(System.getProperty("user.home"), ".local/share/jkad"));
        KadRun help = kadWithEnv(Map.of("XDG_DATA_HOME", "/srv/data"), "run", "--help");
        assertThat(help.out()).contains("/srv/data/jkad");
    }
}
