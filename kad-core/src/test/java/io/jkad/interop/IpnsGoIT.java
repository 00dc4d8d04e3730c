package io.jkad.interop;

import com.google.gson.JsonObject;
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
        return IpnsTools.go(request);
    }
}
