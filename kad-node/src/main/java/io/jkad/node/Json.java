package io.jkad.node;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonPrimitive;
import com.google.gson.Strictness;
import com.google.gson.ToNumberPolicy;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * The one place kad-node reads and writes JSON (the local API, the client commands, the JSON
 * lines of {@code run}, {@code devnet} and {@code sim}), on Gson, the JSON library the benches use
 * too. Values are plain Java: objects as insertion-ordered maps, arrays as lists, strings, numbers
 * (parsed integers as {@code Long}, others as {@code Double}), booleans and null.
 *
 * <p>Writing: a whole {@code double} is written as an integer and NaN or infinity as null, so a
 * figure reads the same whatever its Java type; a {@link BigDecimal} keeps its scale (see
 * {@link #fixed} and {@link #decimal}); any other object is written as its {@code toString()}
 * (peer ids, addresses).
 */
final class Json {

    private static final Gson GSON = new GsonBuilder()
            .disableHtmlEscaping()
            .serializeNulls()
            .setStrictness(Strictness.STRICT)
            .setObjectToNumberStrategy(ToNumberPolicy.LONG_OR_DOUBLE)
            .create();

    private Json() {}

    /** One line of JSON for {@code value} (maps, iterables, strings, numbers, booleans, null, else toString). */
    static String write(Object value) {
        return GSON.toJson(tree(value));
    }

    /** {@code value} rounded to {@code decimals} places and written with exactly that many. */
    static BigDecimal fixed(double value, int decimals) {
        return BigDecimal.valueOf(value).setScale(decimals, RoundingMode.HALF_UP);
    }

    /** {@code value} written as Java prints a double ({@code 1.0}, {@code 12.5}); null for NaN or infinity. */
    static BigDecimal decimal(double value) {
        return Double.isNaN(value) || Double.isInfinite(value) ? null : BigDecimal.valueOf(value);
    }

    private static JsonElement tree(Object v) {
        if (v == null) {
            return JsonNull.INSTANCE;
        } else if (v instanceof String s) {
            return new JsonPrimitive(s);
        } else if (v instanceof Boolean b) {
            return new JsonPrimitive(b);
        } else if (v instanceof Integer || v instanceof Long || v instanceof BigDecimal) {
            return new JsonPrimitive((Number) v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (Double.isNaN(d) || Double.isInfinite(d)) {
                return JsonNull.INSTANCE;
            }
            return d == Math.rint(d) && Math.abs(d) < 1e15 ? new JsonPrimitive((long) d) : new JsonPrimitive(d);
        } else if (v instanceof Map<?, ?> m) {
            JsonObject o = new JsonObject();
            m.forEach((k, x) -> o.add(String.valueOf(k), tree(x)));
            return o;
        } else if (v instanceof Iterable<?> it) {
            JsonArray a = new JsonArray();
            it.forEach(x -> a.add(tree(x)));
            return a;
        }
        return new JsonPrimitive(v.toString());
    }

    /**
     * Parses a JSON object.
     *
     * @throws IllegalArgumentException if {@code text} is not one JSON object
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> parseObject(String text) {
        Object v = parse(text);
        if (!(v instanceof Map)) {
            throw new IllegalArgumentException("expected a JSON object: " + abbreviate(text));
        }
        return (Map<String, Object>) v;
    }

    /**
     * Parses one JSON value.
     *
     * @throws IllegalArgumentException if {@code text} is not one JSON value (message "bad JSON: …")
     */
    static Object parse(String text) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("bad JSON: empty");
        }
        try {
            return GSON.fromJson(text, Object.class);
        } catch (JsonParseException e) {
            throw new IllegalArgumentException("bad JSON: " + e.getMessage(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() > 200 ? s.substring(0, 200) + "…" : s;
    }
}
