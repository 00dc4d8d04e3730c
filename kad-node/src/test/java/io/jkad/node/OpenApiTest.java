package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.multiaddr.Multiaddr;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/openapi.json} against the API it documents: the same endpoints and methods, and every
 * answer of two running nodes (successes and failures) valid under the document's schema — no
 * field the document does not declare, none it requires missing, each of its declared type.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@SuppressWarnings("unchecked")
class OpenApiTest {

    @TempDir
    static Path dir;

    private Daemon a;
    private Daemon b;
    private ApiClient clientA;
    private Map<String, Object> doc;
    private final List<String> checked = new ArrayList<>();

    @BeforeAll
    void start() throws Exception {
        a = Daemon.start(options("a", List.of()));
        b = Daemon.start(options("b", List.of(a.node().listenAddresses().get(0).withPeerId(a.node().peerId()))));
        b.service().initialBootstrap().get(30, TimeUnit.SECONDS);
        clientA = new ApiClient(a.apiAddress().orElseThrow());
        ApiClient.Response r = clientA.get("/v1/openapi.json");
        assertThat(r.status()).isEqualTo(200);
        doc = r.json();
    }

    private static Daemon.Options options(String name, List<Multiaddr> bootstrap) {
        return new Daemon.Options(List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/0")), List.of(), bootstrap, "memory",
                Map.of(), dir.resolve(name), Optional.empty(), Optional.of(new InetSocketAddress("127.0.0.1", 0)),
                false, Duration.ofMinutes(5), Duration.ofMinutes(5));
    }

    @AfterAll
    void stop() {
        if (b != null) {
            b.close();
        }
        if (a != null) {
            a.close();
        }
    }

    @Test
    void theDocumentListsExactlyTheEndpointsServed() {
        Map<String, Object> paths = (Map<String, Object>) doc.get("paths");
        Set<String> documented = new TreeSet<>();
        paths.forEach((path, ops) -> ((Map<String, Object>) ops).keySet()
                .forEach(m -> documented.add(m.toUpperCase() + " " + path)));
        Set<String> served = new TreeSet<>();
        a.apiServer().orElseThrow().routes().forEach((path, method) -> served.add(method + " " + path));
        served.add("GET /metrics");
        served.add("GET /");
        assertThat(documented).isEqualTo(served);
    }

    @Test
    void everyAnswerMatchesItsSchema() throws Exception {
        String keyHex = HexFormat.of().formatHex("openapi-key".getBytes(StandardCharsets.UTF_8));
        String mh = HexFormat.of().formatHex(DisplayKeys.multihash("openapi".getBytes(StandardCharsets.UTF_8)));
        String peerB = b.node().peerId().toBase58();
        check("/v1/status", "get", clientA.get("/v1/status"));
        check("/v1/put", "post", clientA.post("/v1/put", body("key_hex", keyHex, "value_base64", "aGk=", "quorum", 1)));
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", keyHex, "quorum", "all")));
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", "abcd")));
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", keyHex, "quorum", 5)));
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", "zz")));
        check("/v1/provide", "post", clientA.post("/v1/provide", body("key_hex", mh)));
        ApiClient clientB = new ApiClient(b.apiAddress().orElseThrow());
        check("/v1/providers", "post", clientB.post("/v1/providers", body("key_hex", mh)));
        check("/v1/providers", "post", clientB.post("/v1/providers", body("key_hex", mh, "max", 1)));
        check("/v1/providers", "post", clientB.post("/v1/providers", body("key_hex", mh, "max", 0)));
        check("/v1/providers", "post", clientB.post("/v1/providers", body("key_hex", "1220" + "00".repeat(32))));
        check("/v1/peer", "post", clientA.post("/v1/peer", body("peer_id", peerB)));
        check("/v1/peer", "post", clientA.post("/v1/peer", body("peer_id", "nope")));
        check("/v1/routing-table", "get", clientA.get("/v1/routing-table"));
        check("/v1/peers", "get", clientA.get("/v1/peers"));
        check("/v1/closest", "post", clientA.post("/v1/closest", body("key_hex", keyHex)));
        check("/v1/id", "post", clientA.post("/v1/id", body()));
        check("/v1/id", "post", clientA.post("/v1/id", body("peer_id", peerB)));
        check("/v1/openapi.json", "get", clientA.get("/v1/openapi.json"));
        check("/v1/name/publish", "post", clientA.post("/v1/name/publish", body("value", "/ipfs/bafkqaddwgevxmmraojswg33smq")));
        check("/v1/name/publish", "post", clientA.post("/v1/name/publish", body("value", "/ipfs/x", "ttl_s", -1)));
        check("/v1/name/resolve", "post", clientB.post("/v1/name/resolve", body("name", a.node().peerId().toBase58())));
        check("/v1/name/resolve", "post", clientB.post("/v1/name/resolve", body("name", peerB, "quorum", 1)));
        check("/v1/activity", "get", clientA.get("/v1/activity"));
        // traced: the answers carry the trace, also when the operation fails
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", keyHex, "trace", true)));
        check("/v1/get", "post", clientA.post("/v1/get", body("key_hex", "abcdef", "trace", true)));
        check("/v1/put", "post", clientA.post("/v1/put", body("key_hex", keyHex, "value_base64", "aGk=", "trace", true)));
        check("/v1/providers", "post", clientB.post("/v1/providers", body("key_hex", mh, "trace", true)));
        ApiClient.Response closestTraced = clientA.post("/v1/closest", body("key_hex", keyHex, "trace", true));
        check("/v1/closest", "post", closestTraced);
        Map<String, Object> trace = (Map<String, Object>) closestTraced.json().get("trace");
        assertThat((List<Map<String, Object>>) trace.get("events")).extracting(e -> e.get("step"))
                .contains("asked", "answered");
        assertThat(trace.get("stop_reason")).isNotNull();
        assertThat(checked).hasSize(29).anyMatch(c -> c.contains(" 404")).anyMatch(c -> c.contains(" 400"))
                .anyMatch(c -> c.contains(" 409"));
    }

    /**
     * Each record of {@link ApiTypes} and its schema in the document: the same fields (snake_case),
     * of matching types; a primitive component (always written) is required, and nothing is
     * required that the record lacks.
     */
    @Test
    void theRecordsAreTheDocumentsSchemas() {
        Map<String, Object> schemas = (Map<String, Object>) ((Map<String, Object>) doc.get("components")).get("schemas");
        Set<String> documented = new TreeSet<>(schemas.keySet());
        documented.remove("IdRequest"); // PeerRequest's record, with the peer id optional
        assertThat(new TreeSet<>(ApiTypes.SCHEMAS.values())).isEqualTo(documented);
        ApiTypes.SCHEMAS.forEach((type, name) -> {
            Map<String, Object> schema = (Map<String, Object>) schemas.get(name);
            Map<String, Object> properties = (Map<String, Object>) schema.get("properties");
            Map<String, java.lang.reflect.RecordComponent> components = new LinkedHashMap<>();
            for (var c : type.getRecordComponents()) {
                components.put(snake(c.getName()), c);
            }
            assertThat(properties.keySet()).as("%s: the properties of %s", name, type.getSimpleName())
                    .containsExactlyInAnyOrderElementsOf(components.keySet());
            List<Object> required = (List<Object>) schema.getOrDefault("required", List.of());
            components.forEach((field, c) -> {
                if (c.getType().isPrimitive()) {
                    assertThat(required).as("%s.%s is always written", name, field).contains(field);
                }
                assertThat(typeOf((Map<String, Object>) properties.get(field)))
                        .as("%s.%s", name, field).isEqualTo(jsonType(c.getGenericType()));
            });
        });
    }

    /** The requests the client commands send are their schemas' objects. */
    @Test
    void theClientsRequestsMatchTheDocument() {
        var quorum = ApiEndpoints.parseQuorum("majority");
        request("PutRequest", new ApiTypes.PutRequest("6b", "aGk=", quorum, true));
        request("PutRequest", new ApiTypes.PutRequest("6b", "aGk=", ApiEndpoints.parseQuorum("3"), null));
        request("GetRequest", new ApiTypes.GetRequest("6b", ApiEndpoints.parseQuorum("1"), null));
        request("ProvidersRequest", new ApiTypes.ProvidersRequest("6b", 20, true));
        request("ClosestRequest", new ApiTypes.ClosestRequest("6b", null));
        request("KeyRequest", new ApiTypes.KeyRequest("6b"));
        request("PeerRequest", new ApiTypes.PeerRequest("12D3KooW"));
        request("IdRequest", new ApiTypes.PeerRequest(null));
        request("PublishRequest", new ApiTypes.PublishRequest("/ipfs/x", 3L, 3600L, 60L, quorum));
        request("PublishRequest", new ApiTypes.PublishRequest("/ipfs/x", null, null, null, null));
        request("ResolveRequest", new ApiTypes.ResolveRequest("k51", ApiEndpoints.parseQuorum("16")));
    }

    private void request(String schema, Record r) {
        validate(Json.parseObject(Json.write(r)), Map.of("$ref", "#/components/schemas/" + schema), schema);
    }

    private static String snake(String camel) {
        return camel.replaceAll("([A-Z])", "_$1").toLowerCase(java.util.Locale.ROOT);
    }

    /** A schema's type as compared: its type, a $ref's name, an array's item type, a oneOf's types. */
    private static String typeOf(Map<String, Object> schema) {
        if (schema.containsKey("$ref")) {
            return ((String) schema.get("$ref")).substring("#/components/schemas/".length());
        }
        if (schema.containsKey("oneOf")) {
            return ((List<Map<String, Object>>) schema.get("oneOf")).stream().map(OpenApiTest::typeOf).sorted().toList()
                    .toString();
        }
        String type = (String) schema.get("type");
        if (type.equals("array")) {
            return "array of " + typeOf((Map<String, Object>) schema.get("items"));
        }
        if (type.equals("object") && schema.get("additionalProperties") instanceof Map<?, ?> values) {
            return "object of " + typeOf((Map<String, Object>) values);
        }
        return type;
    }

    /** The JSON type a record component is written as, in {@link #typeOf}'s terms. */
    private static String jsonType(java.lang.reflect.Type t) {
        if (t instanceof java.lang.reflect.ParameterizedType p) {
            java.lang.reflect.Type[] args = p.getActualTypeArguments();
            if (p.getRawType() == List.class) {
                return "array of " + jsonType(args[0]);
            }
            if (p.getRawType() == Map.class) {
                return "object of " + jsonType(args[1]);
            }
        }
        Class<?> c = (Class<?>) t;
        if (c == String.class) {
            return "string";
        }
        if (c == boolean.class || c == Boolean.class) {
            return "boolean";
        }
        if (c == int.class || c == long.class || c == Integer.class || c == Long.class) {
            return "integer";
        }
        if (c == java.math.BigDecimal.class || c == double.class || c == Double.class) {
            return "number";
        }
        if (c == io.jkad.kademlia.Quorum.class) {
            return "[integer, string]";
        }
        String name = ApiTypes.SCHEMAS.get(c);
        if (name == null) {
            throw new AssertionError("no JSON type for " + c);
        }
        return name;
    }

    private static Map<String, Object> body(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    private void check(String path, String method, ApiClient.Response r) {
        Map<String, Object> op = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) doc.get("paths"))
                .get(path)).get(method);
        Map<String, Object> responses = (Map<String, Object>) op.get("responses");
        String where = method.toUpperCase() + " " + path + " " + r.status();
        assertThat(responses).as("%s is documented", where).containsKey(String.valueOf(r.status()));
        Map<String, Object> schema = (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>)
                ((Map<String, Object>) responses.get(String.valueOf(r.status()))).get("content"))
                .get("application/json")).get("schema");
        validate(r.json(), schema, where);
        checked.add(where);
    }

    /** The subset of JSON Schema the document uses: $ref, type, nullable, enum, properties, required, additionalProperties, items, oneOf. */
    private void validate(Object value, Map<String, Object> schema, String at) {
        if (schema.containsKey("$ref")) {
            String name = ((String) schema.get("$ref")).substring("#/components/schemas/".length());
            validate(value, (Map<String, Object>) ((Map<String, Object>) ((Map<String, Object>) doc.get("components"))
                    .get("schemas")).get(name), at);
            return;
        }
        if (schema.containsKey("oneOf")) {
            long matching = ((List<Map<String, Object>>) schema.get("oneOf")).stream().filter(s -> {
                try {
                    validate(value, s, at);
                    return true;
                } catch (AssertionError e) {
                    return false;
                }
            }).count();
            assertThat(matching).as("%s: %s matches one of oneOf", at, value).isEqualTo(1);
            return;
        }
        if (value == null) {
            assertThat(schema.get("nullable")).as("%s is null", at).isEqualTo(true);
            return;
        }
        if (schema.containsKey("enum")) {
            assertThat((List<Object>) schema.get("enum")).as(at).contains(value);
        }
        String type = (String) schema.get("type");
        if (type == null) {
            return;
        }
        switch (type) {
            case "string" -> assertThat(value).as(at).isInstanceOf(String.class);
            case "boolean" -> assertThat(value).as(at).isInstanceOf(Boolean.class);
            case "integer" -> assertThat(value).as(at).isInstanceOf(Long.class);
            case "number" -> assertThat(value).as(at).isInstanceOf(Number.class);
            case "array" -> {
                assertThat(value).as(at).isInstanceOf(List.class);
                Map<String, Object> items = (Map<String, Object>) schema.get("items");
                List<Object> list = (List<Object>) value;
                for (int i = 0; i < list.size(); i++) {
                    validate(list.get(i), items, at + "[" + i + "]");
                }
            }
            case "object" -> {
                assertThat(value).as(at).isInstanceOf(Map.class);
                Map<String, Object> object = (Map<String, Object>) value;
                Map<String, Object> properties = (Map<String, Object>) schema.getOrDefault("properties", Map.of());
                for (Object required : (List<Object>) schema.getOrDefault("required", List.of())) {
                    assertThat(object).as("%s has the required %s", at, required).containsKey((String) required);
                }
                Object additional = schema.get("additionalProperties");
                object.forEach((k, v) -> {
                    if (properties.containsKey(k)) {
                        validate(v, (Map<String, Object>) properties.get(k), at + "." + k);
                    } else if (additional instanceof Map<?, ?> extra) {
                        validate(v, (Map<String, Object>) extra, at + "." + k);
                    } else {
                        assertThat(additional).as("%s: %s is not in the document", at, k).isNotEqualTo(false);
                    }
                });
            }
            default -> throw new AssertionError("type " + type + " at " + at);
        }
    }
}
