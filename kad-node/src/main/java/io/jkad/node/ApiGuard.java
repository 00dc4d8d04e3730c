package io.jkad.node;

import com.sun.net.httpserver.Headers;
import java.net.URI;
import java.util.Locale;

/**
 * What keeps web pages out of the local API: a browser sends any page's requests to
 * {@code 127.0.0.1} too, and a form or a {@code text/plain} POST goes out without a CORS preflight.
 * So a request is refused when it names a non-loopback {@code Host} (a DNS-rebinding page reaching
 * us under its own name), when it carries an {@code Origin} that is not a loopback address (a page
 * of another site), and a POST unless its body is declared {@code application/json} (which a page
 * can only send after a preflight that we never answer). The {@code kad} client, {@code curl -H
 * 'Content-Type: application/json'} and scripts pass.
 */
final class ApiGuard {

    private ApiGuard() {}

    /**
     * The refusal for a request with these headers, or null if it may go on.
     *
     * @param token the bearer token every request must carry, if the API has one
     */
    static ApiServer.ApiException check(Headers headers, String method, java.util.Optional<String> token) {
        String host = headers.getFirst("Host");
        if (host != null && !isLoopbackAuthority(host)) {
            return new ApiServer.ApiException(403, "forbidden_host",
                    "the API answers only requests to a loopback address, not to Host " + host);
        }
        String origin = headers.getFirst("Origin");
        if (origin != null && !isLoopbackOrigin(origin)) {
            return new ApiServer.ApiException(403, "forbidden_origin",
                    "the API refuses requests from web pages of other origins: " + origin);
        }
        if (token.isPresent() && !ApiToken.matches(headers.getFirst("Authorization"), token.get())) {
            return new ApiServer.ApiException(401, "unauthorized", headers.getFirst("Authorization") == null
                    ? "the API needs its token: Authorization: Bearer <the token in the node's api.token file>"
                    : "wrong API token");
        }
        if (method.equals("POST")) {
            String type = headers.getFirst("Content-Type");
            String mediaType = type == null ? "" : type.split(";", 2)[0].strip().toLowerCase(Locale.ROOT);
            if (!mediaType.equals("application/json")) {
                return new ApiServer.ApiException(415, "unsupported_media_type",
                        "the body must be JSON with Content-Type: application/json"
                                + (type == null ? " (none given)" : ", not " + type));
            }
        }
        return null;
    }

    /** {@code host[:port]} naming 127.0.0.0/8, {@code localhost} or {@code [::1]}. */
    static boolean isLoopbackAuthority(String authority) {
        String a = authority.strip().toLowerCase(Locale.ROOT);
        String host;
        if (a.startsWith("[")) {
            int end = a.indexOf(']');
            if (end < 0) {
                return false;
            }
            host = a.substring(1, end);
            String rest = a.substring(end + 1);
            if (!rest.isEmpty() && !rest.matches(":\\d{1,5}")) {
                return false;
            }
            return host.equals("::1");
        }
        int colon = a.indexOf(':');
        if (colon >= 0) {
            if (!a.substring(colon).matches(":\\d{1,5}")) {
                return false;
            }
            host = a.substring(0, colon);
        } else {
            host = a;
        }
        return host.equals("localhost") || isIpv4Loopback(host);
    }

    private static boolean isIpv4Loopback(String host) {
        String[] parts = host.split("\\.", -1);
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        for (String p : parts) {
            if (!p.matches("\\d{1,3}") || Integer.parseInt(p) > 255) {
                return false;
            }
        }
        return true;
    }

    /** An {@code Origin} of {@code http} or {@code https} on a loopback authority ({@code null} is not one). */
    static boolean isLoopbackOrigin(String origin) {
        URI uri;
        try {
            uri = new URI(origin.strip());
        } catch (java.net.URISyntaxException e) {
            return false;
        }
        String scheme = uri.getScheme();
        return (("http".equalsIgnoreCase(scheme) || "https".equalsIgnoreCase(scheme)) && uri.getRawAuthority() != null
                && (uri.getRawPath() == null || uri.getRawPath().isEmpty()) && isLoopbackAuthority(uri.getRawAuthority()));
    }
}
