package io.jkad.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The other implementations' IPNS code as tools: {@code interop/go/cmd/ipns} (go's boxo) and
 * {@code interop/js/ipns.mjs} (js's {@code ipns}), each run on one JSON request (make, check,
 * select records; see the files) and answering one JSON document.
 */
public final class IpnsTools {

    private IpnsTools() {}

    /** Runs go's tool on {@code request}. */
    public static JsonObject go(JsonObject request) throws IOException, InterruptedException {
        Path go = InteropPeer.findTool("go", "jkad.go", "JKAD_GO", List.of(Path.of("/usr/local/go/bin/go")),
                "the Go toolchain (1.25 or newer)");
        Path dir = InteropPeer.findInteropDir("go", "go.mod");
        return run(dir, List.of(go.toString(), "run", "-mod=readonly", "./cmd/ipns"), request.toString());
    }

    /** Runs js's tool on {@code request}. */
    public static JsonObject js(JsonObject request) throws IOException, InterruptedException {
        Path node = InteropPeer.findNode();
        Path dir = InteropPeer.findJsDir();
        InteropPeer.ensureInstalled(dir, node, dir.resolve("target"));
        return run(dir, List.of(node.toString(), "ipns.mjs"), request.toString());
    }

    private static JsonObject run(Path dir, List<String> command, String request) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).start();
        p.getOutputStream().write(request.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", command, err).isZero();
        return JsonParser.parseString(new String(out, StandardCharsets.UTF_8)).getAsJsonObject();
    }
}
