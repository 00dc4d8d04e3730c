package io.jkad.interop;

import com.google.gson.JsonObject;
import java.nio.file.Path;
import java.util.List;

/** {@link IpnsInterop} against go's boxo {@code ipns} package ({@code interop/go/cmd/ipns}). */
class IpnsGoIT extends IpnsInterop {

    @Override
    String who() {
        return "go";
    }

    @Override
    List<String> keyTypes() {
        return List.of("ed25519", "secp256k1", "ecdsa", "rsa");
    }

    @Override
    JsonObject run(JsonObject request) throws Exception {
        Path go = InteropPeer.findTool("go", "jkad.go", "JKAD_GO", List.of(Path.of("/usr/local/go/bin/go")),
                "the Go toolchain (1.25 or newer)");
        Path dir = InteropPeer.findInteropDir("go", "go.mod");
        return runProcess(dir, List.of(go.toString(), "run", "-mod=readonly", "./cmd/ipns"), request.toString());
    }
}
