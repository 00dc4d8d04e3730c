package io.jkad.interop;

import java.util.List;
import java.util.Map;

/** Typed reads of the js peer's JSON results; a missing or mistyped field is a {@link PeerException}. */
final class Results {

    private Results() {}

    static String string(Map<String, Object> m, String field) {
        return cast(m, field, String.class);
    }

    /** A string field that may be absent or null. */
    static java.util.Optional<String> optionalString(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v == null) {
            return java.util.Optional.empty();
        }
        if (v instanceof String s) {
            return java.util.Optional.of(s);
        }
        throw bad(m, field, "a string or null");
    }

    static boolean bool(Map<String, Object> m, String field) {
        return cast(m, field, Boolean.class);
    }

    static long number(Map<String, Object> m, String field) {
        Object v = m.get(field);
        if (v instanceof Number n) {
            return n.longValue();
        }
        throw bad(m, field, "a number");
    }

    static List<String> strings(Map<String, Object> m, String field) {
        List<?> list = cast(m, field, List.class);
        for (Object o : list) {
            if (!(o instanceof String)) {
                throw bad(m, field, "a list of strings");
            }
        }
        return list.stream().map(String.class::cast).toList();
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> objects(Map<String, Object> m, String field) {
        List<?> list = cast(m, field, List.class);
        for (Object o : list) {
            if (!(o instanceof Map)) {
                throw bad(m, field, "a list of objects");
            }
        }
        return list.stream().map(o -> (Map<String, Object>) o).toList();
    }

    static List<PeerCommands.PeerInfo> peers(Map<String, Object> m, String field) {
        return objects(m, field).stream()
                .map(p -> new PeerCommands.PeerInfo(string(p, "peerId"), strings(p, "addrs")))
                .toList();
    }

    private static <T> T cast(Map<String, Object> m, String field, Class<T> type) {
        Object v = m.get(field);
        if (!type.isInstance(v)) {
            throw bad(m, field, "a " + type.getSimpleName());
        }
        return type.cast(v);
    }

    private static PeerException bad(Map<String, Object> m, String field, String expected) {
        return new PeerException("ProtocolError", "js peer result field '" + field + "' is not " + expected + ": " + m);
    }
}
