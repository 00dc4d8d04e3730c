package io.jkad.node;

import com.google.gson.FieldNamingPolicy;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonSyntaxException;
import com.google.gson.TypeAdapter;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.google.gson.stream.JsonWriter;
import io.jkad.kademlia.Quorum;
import java.io.IOException;
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

    /**
     * The API's records ({@link ApiTypes}): snake_case names, null components left out; reading is
     * strict about types (a string where a number belongs is an error, not a conversion) except
     * for a quorum, a number or a word.
     */
    private static final Gson TYPED = new GsonBuilder()
            .disableHtmlEscaping()
            .setStrictness(Strictness.STRICT)
            .setFieldNamingPolicy(FieldNamingPolicy.LOWER_CASE_WITH_UNDERSCORES)
            .registerTypeAdapter(String.class, strict(JsonToken.STRING, "a string", JsonReader::nextString,
                    JsonWriter::value).nullSafe())
            .registerTypeAdapter(Boolean.class, strict(JsonToken.BOOLEAN, "true or false", JsonReader::nextBoolean,
                    JsonWriter::value).nullSafe())
            .registerTypeAdapter(boolean.class, strict(JsonToken.BOOLEAN, "true or false", JsonReader::nextBoolean,
                    JsonWriter::value))
            .registerTypeAdapter(Integer.class, strict(JsonToken.NUMBER, "a whole number", JsonReader::nextInt,
                    JsonWriter::value).nullSafe())
            .registerTypeAdapter(int.class, strict(JsonToken.NUMBER, "a whole number", JsonReader::nextInt,
                    JsonWriter::value))
            .registerTypeAdapter(Long.class, strict(JsonToken.NUMBER, "a whole number", JsonReader::nextLong,
                    JsonWriter::value).nullSafe())
            .registerTypeAdapter(long.class, strict(JsonToken.NUMBER, "a whole number", JsonReader::nextLong,
                    JsonWriter::value))
            .registerTypeHierarchyAdapter(Quorum.class, new QuorumAdapter().nullSafe())
            .create();

    private Json() {}

    private interface Read<T> {
        T read(JsonReader in) throws IOException;
    }

    private interface Write<T> {
        void write(JsonWriter out, T value) throws IOException;
    }

    /** An adapter that reads only {@code token} ({@code what} names it in the error) and writes as {@code write}. */
    private static <T> TypeAdapter<T> strict(JsonToken token, String what, Read<T> read, Write<T> write) {
        return new TypeAdapter<>() {
            @Override
            public void write(JsonWriter out, T value) throws IOException {
                write.write(out, value);
            }

            @Override
            public T read(JsonReader in) throws IOException {
                if (in.peek() != token) {
                    throw new JsonSyntaxException(field(in) + " must be " + what + ", not "
                            + in.peek().name().toLowerCase(java.util.Locale.ROOT));
                }
                try {
                    return read.read(in);
                } catch (NumberFormatException e) {
                    throw new JsonSyntaxException(field(in) + " must be " + what + ": " + e.getMessage());
                }
            }
        };
    }

    /** The field being read, as the request names it ({@code key_hex}, {@code addrs.x}). */
    private static String field(JsonReader in) {
        String path = in.getPath();
        return path.startsWith("$.") ? path.substring(2) : path;
    }

    /** A quorum: 1, n, {@code "majority"} or {@code "all"}, as {@link ApiEndpoints#parseQuorum} reads it. */
    private static final class QuorumAdapter extends TypeAdapter<Quorum> {
        @Override
        public void write(JsonWriter out, Quorum q) throws IOException {
            if (q instanceof Quorum.One) {
                out.value(1);
            } else if (q instanceof Quorum.N n) {
                out.value(n.n());
            } else {
                out.value(q instanceof Quorum.Majority ? "majority" : "all");
            }
        }

        @Override
        public Quorum read(JsonReader in) throws IOException {
            JsonToken t = in.peek();
            if (t != JsonToken.NUMBER && t != JsonToken.STRING) {
                throw new JsonSyntaxException("quorum must be a number, 'majority' or 'all'");
            }
            try {
                return ApiEndpoints.parseQuorum(in.nextString());
            } catch (IllegalArgumentException e) {
                throw new JsonSyntaxException(e.getMessage());
            }
        }
    }

    /** One line of JSON for one of the API's records (or anything else Gson writes), null components left out. */
    static String writeTyped(Object value) {
        return TYPED.toJson(value);
    }

    /**
     * Reads one of the API's records from {@code text}.
     *
     * @throws IllegalArgumentException if {@code text} is not one JSON object, or a field is not of its type
     */
    static <T> T read(String text, Class<T> type) {
        if (text.isBlank()) {
            throw new IllegalArgumentException("bad JSON: empty");
        }
        try {
            T value = TYPED.fromJson(text, type);
            if (value == null) {
                throw new IllegalArgumentException("expected a JSON object: " + abbreviate(text));
            }
            return value;
        } catch (JsonParseException | IllegalStateException e) {
            throw new IllegalArgumentException("bad JSON: " + e.getMessage(), e);
        }
    }

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
        } else if (v instanceof Record r) {
            return TYPED.toJsonTree(r);
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
