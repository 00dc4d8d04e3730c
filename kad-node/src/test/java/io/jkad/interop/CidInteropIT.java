package io.jkad.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.jkad.util.Cid;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * CIDs that no one here wrote: js's {@code multiformats} ({@code interop/js/cids.mjs}) and go's
 * {@code go-cid} ({@code interop/go/cmd/cids}) make CIDv0 and CIDv1 (raw and dag-pb) of the same
 * contents in every common multibase; {@link Cid#parse} must read each to the version, codec and
 * multihash they say, and print the canonical ones exactly as they do.
 */
class CidInteropIT {

    private static final List<String> CONTENTS = List.of("hello", "", "jkad CIDs", "\u00e9t\u00e9 \u2603");

    @Test
    void jsMultiformatsCids() throws Exception {
        Path node = InteropPeer.findNode();
        Path dir = InteropPeer.findJsDir();
        InteropPeer.ensureInstalled(dir, node, dir.resolve("target"));
        List<String> cmd = new ArrayList<>(List.of(node.toString(), "cids.mjs"));
        cmd.addAll(CONTENTS);
        check(run(dir, cmd), "js");
    }

    @Test
    void goCids() throws Exception {
        Path go = InteropPeer.findTool("go", "jkad.go", "JKAD_GO", List.of(Path.of("/usr/local/go/bin/go")),
                "the Go toolchain (1.25 or newer)");
        Path dir = InteropPeer.findInteropDir("go", "go.mod");
        List<String> cmd = new ArrayList<>(List.of(go.toString(), "run", "-mod=readonly", "./cmd/cids"));
        cmd.addAll(CONTENTS);
        check(run(dir, cmd), "go");
    }

    private static void check(JsonArray cids, String who) {
        assertThat(cids.size()).isEqualTo(CONTENTS.size() * 25);
        for (JsonElement e : cids) {
            JsonObject o = e.getAsJsonObject();
            String text = o.get("text").getAsString();
            Cid cid = Cid.parse(text);
            assertThat(cid.version()).as("%s %s", who, text).isEqualTo(o.get("version").getAsInt());
            assertThat(cid.codec()).as("%s %s", who, text).isEqualTo(o.get("codec").getAsLong());
            assertThat(HexFormat.of().formatHex(cid.multihash())).as("%s %s", who, text)
                    .isEqualTo(o.get("multihash_hex").getAsString());
            if (o.get("canonical").getAsBoolean()) {
                assertThat(cid.toString()).as("%s prints %s", who, text).isEqualTo(text);
            }
        }
    }

    private static JsonArray run(Path dir, List<String> cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(false).start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(300, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("%s: %s", cmd, err).isZero();
        return JsonParser.parseString(new String(out, StandardCharsets.UTF_8)).getAsJsonArray();
    }
}
