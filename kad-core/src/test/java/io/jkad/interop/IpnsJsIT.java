package io.jkad.interop;

import com.google.gson.JsonObject;
import java.util.List;

/**
 * {@link IpnsInterop} against js's {@code ipns} package ({@code interop/js/ipns.mjs}). ECDSA is
 * left out: js makes no peer id of an ECDSA key, and signs ECDSA as r‖s where go and jkad read DER.
 */
class IpnsJsIT extends IpnsInterop {

    @Override
    String who() {
        return "js";
    }

    @Override
    List<String> keyTypes() {
        return List.of("ed25519", "secp256k1", "rsa");
    }

    @Override
    JsonObject run(JsonObject request) throws Exception {
        return IpnsTools.js(request);
    }
}
