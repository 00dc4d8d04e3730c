package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code --log-level} and {@code --log-format} as {@link LogSetup} reads them. */
class LogSetupTest {

    @Test
    void aDefaultLevelAndLevelsPerLogger() {
        assertThat(LogSetup.parse("warn")).isEqualTo(new LogSetup.Levels("warn", Map.of()));
        assertThat(LogSetup.parse("INFO, io.jkad.net=debug ,io.jkad.kademlia=trace"))
                .isEqualTo(new LogSetup.Levels("info", Map.of("io.jkad.net", "debug", "io.jkad.kademlia", "trace")));
        assertThat(LogSetup.parse("io.jkad.net=debug").root()).isEqualTo("info");
        assertThatThrownBy(() -> LogSetup.parse("loud")).hasMessageContaining("--log-level must be");
        assertThatThrownBy(() -> LogSetup.parse("info,io.jkad=noisy")).hasMessageContaining("--log-level must be");
        assertThatThrownBy(() -> LogSetup.parse("=debug")).hasMessageContaining("a logger name is missing");
        assertThat(LogSetup.format(" JSON")).isEqualTo("json");
        assertThatThrownBy(() -> LogSetup.format("xml")).hasMessage("--log-format must be text or json: xml");
        KadRun r = KadRun.kad("run", "--log-format", "xml", "--data-dir", "/nonexistent/never-made");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--log-format must be text or json");
    }
}
