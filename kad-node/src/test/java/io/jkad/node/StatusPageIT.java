package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.multiaddr.Multiaddr;
import java.io.File;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The status page in a real browser (Debian's headless chromium, driven through chromedriver): it
 * loads, shows the node and the peer of a running two-node network, and updates after a put. Its
 * screenshot goes to {@code target/status-page.png} (and, with {@code -Djkad.screenshot=F}, to F:
 * the README's picture).
 */
class StatusPageIT {

    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    @TempDir
    Path dir;

    private Daemon.Options options(String name, List<Multiaddr> bootstrap) {
        return new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), List.of(), bootstrap, "memory",
                Map.of(), dir.resolve(name), Optional.empty(), Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                false, Duration.ofMinutes(5), Duration.ofMinutes(5));
    }

    @Test
    void thePageShowsTheNetworkAndFollowsAPut() throws Exception {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (System.getenv("CI") != null) {
            assertThat(present).as("chromium and chromedriver (.ci/run installs Debian's)").isTrue();
        }
        Assumptions.assumeTrue(present, "chromium and chromedriver are not installed");
        try (Daemon a = Daemon.start(options("a", List.of()));
             Daemon b = Daemon.start(options("b", List.of(a.node().listenAddresses().get(0).withPeerId(a.node().peerId()))))) {
            b.service().initialBootstrap().get(30, TimeUnit.SECONDS);
            ApiClient api = new ApiClient(a.apiAddress().orElseThrow());
            InetSocketAddress where = a.apiAddress().orElseThrow();

            ChromeOptions options = new ChromeOptions();
            options.setBinary(CHROMIUM.toFile());
            options.addArguments("--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--disable-dev-shm-usage", "--window-size=1280,900",
                    "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-profile"));
            ChromeDriverService service = new ChromeDriverService.Builder()
                    .usingDriverExecutable(new File(CHROMEDRIVER.toString())).usingAnyFreePort().build();
            ChromeDriver browser = new ChromeDriver(service, options);
            try {
                // a lookup, so that a is connected to b when the page looks
                assertThat(api.post("/v1/closest", Map.of("key_hex", "6b6579")).status()).isEqualTo(200);
                browser.get("http://127.0.0.1:" + where.getPort() + "/");
                String self = a.node().peerId().toBase58();
                String peer = b.node().peerId().toBase58();
                await("the page shows the node", () -> browser.findElement(By.id("peer-id")).getText().equals(self));
                await("the page lists b among the connected peers",
                        () -> browser.findElement(By.id("peers")).getText().contains(peer));
                assertThat(browser.findElement(By.id("buckets")).getText()).isNotBlank();
                assertThat(browser.findElement(By.id("table-size")).getText()).isEqualTo("1");
                assertThat(browser.findElement(By.id("jobs")).getText()).contains("bootstrap").contains("5 min")
                        .contains("provider reprovide sweep").contains("12 h").contains("routing table save")
                        .contains("in 60 min");
                assertThat(browser.findElement(By.id("error")).getText()).isEmpty();
                String recordsBefore = browser.findElement(By.id("store-records")).getText();
                assertThat(recordsBefore).isEqualTo("0");

                String key = HexFormat.of().formatHex("shown on the page".getBytes(java.nio.charset.StandardCharsets.UTF_8));
                assertThat(api.post("/v1/put", Map.of("key_hex", key, "value_base64", "aGVsbG8=")).status())
                        .isEqualTo(200);
                await("the page counts the record", () -> browser.findElement(By.id("store-records")).getText()
                        .equals("1"));
                await("the page lists the put among the recent queries",
                        () -> browser.findElement(By.id("queries")).getText().contains("put record"));

                byte[] png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES);
                Files.createDirectories(Path.of("target"));
                Files.write(Path.of("target", "status-page.png"), png);
                String copy = System.getProperty("jkad.screenshot");
                if (copy != null) {
                    Files.write(Path.of(copy), png);
                }
            } finally {
                browser.quit();
            }
        }
    }

    private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .ignoreExceptions().until(condition);
    }
}
