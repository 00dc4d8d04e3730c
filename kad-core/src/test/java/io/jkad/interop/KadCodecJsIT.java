package io.jkad.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.protocol.ConnectionType;
import io.jkad.protocol.KadCodec;
import io.jkad.protocol.KadPeer;
import io.jkad.protocol.KadRequest;
import io.jkad.protocol.KadResponse;
import io.jkad.record.DhtRecord;
import io.jkad.record.RecordKey;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * jkad's {@link KadCodec} against js-libp2p's own message codec (@libp2p/kad-dht's protons code,
 * run by interop/js/codec.mjs): what jkad encodes, js reads field for field; what js encodes, jkad
 * decodes to the expected domain values. No network: the bytes go through a pipe.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class KadCodecJsIT {

    private static final Instant NOW = Instant.parse("2025-01-02T03:04:05.123456789Z");
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final PeerId PEER_A = PeerId.random(new Random(1));
    private static final PeerId PEER_B = PeerId.random(new Random(2));
    private static final Multiaddr ADDR_A = Multiaddr.parse("/ip4/127.0.0.1/tcp/4001");
    private static final Multiaddr ADDR_B = Multiaddr.parse("/ip6/::1/tcp/4002");

    private final KadCodec codec = KadCodec.defaults();
    private Process js;
    private BufferedWriter toJs;
    private BufferedReader fromJs;

    @BeforeAll
    void startJsCodec() throws Exception {
        Path node = InteropPeer.findNode();
        Path dir = InteropPeer.findJsDir();
        InteropPeer.ensureInstalled(dir, node, Path.of("target/js-peer-logs").toAbsolutePath());
        js = new ProcessBuilder(node.toString(), "codec.mjs").directory(dir.toFile())
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        toJs = new BufferedWriter(new OutputStreamWriter(js.getOutputStream(), StandardCharsets.UTF_8));
        fromJs = new BufferedReader(new InputStreamReader(js.getInputStream(), StandardCharsets.UTF_8));
    }

    @AfterAll
    void stopJsCodec() throws Exception {
        if (js != null) {
            toJs.close();
            if (!js.waitFor(5, TimeUnit.SECONDS)) {
                js.destroyForcibly();
            }
        }
    }

    @Nested
    class JkadEncodesJsDecodes {

        @Test
        void findNodeRequest() throws Exception {
            Map<String, Object> m = jsDecode(codec.encodeRequest(new KadRequest.FindNode(RecordKey.of(PEER_A.toBytes())), NOW));
            assertThat(m.get("type")).isEqualTo("FIND_NODE");
            assertThat(m.get("key")).isEqualTo(b64(PEER_A.toBytes()));
            assertThat(m.get("record")).isNull();
        }

        @Test
        void keyOnlyRequests() throws Exception {
            RecordKey key = RecordKey.ofUtf8("/jkad/key");
            assertThat(jsDecode(codec.encodeRequest(new KadRequest.GetValue(key), NOW)))
                    .containsEntry("type", "GET_VALUE").containsEntry("key", b64(key.toBytes()));
            assertThat(jsDecode(codec.encodeRequest(new KadRequest.GetProviders(key), NOW)))
                    .containsEntry("type", "GET_PROVIDERS").containsEntry("key", b64(key.toBytes()));
            assertThat(jsDecode(codec.encodeRequest(new KadRequest.Ping(), NOW))).containsEntry("type", "PING");
        }

        @Test
        void putValueRequestWithRustExtensions() throws Exception {
            DhtRecord record = DhtRecord.of(RecordKey.ofUtf8("/jkad/put"), bytes("value"), Optional.of(PEER_A),
                    Optional.of(NOW.plusSeconds(3600)));

            Map<String, Object> m = jsDecode(codec.encodeRequest(new KadRequest.PutValue(record), NOW));

            // no type field on the wire: js reads its default, PUT_VALUE; publisher and ttl are
            // unknown to js and skipped
            assertThat(m.get("type")).isEqualTo("PUT_VALUE");
            assertThat(m.get("key")).isEqualTo(b64(bytes("/jkad/put")));
            assertThat(record(m)).containsEntry("key", b64(bytes("/jkad/put"))).containsEntry("value", b64(bytes("value")));
        }

        @Test
        void addProviderRequest() throws Exception {
            KadPeer provider = new KadPeer(PEER_A, List.of(ADDR_A, ADDR_B), ConnectionType.CONNECTED);
            Map<String, Object> m = jsDecode(codec.encodeRequest(new KadRequest.AddProvider(RecordKey.ofUtf8("mh"), provider), NOW));

            assertThat(m.get("type")).isEqualTo("ADD_PROVIDER");
            assertThat(peers(m, "providers")).containsExactly(jsPeer(PEER_A, "CONNECTED", ADDR_A, ADDR_B));
            assertThat(peers(m, "closer")).isEmpty();
        }

        @Test
        void peerResponses() throws Exception {
            KadPeer a = new KadPeer(PEER_A, List.of(ADDR_A), ConnectionType.CAN_CONNECT);
            KadPeer b = new KadPeer(PEER_B, List.of(ADDR_B), ConnectionType.NOT_CONNECTED);

            Map<String, Object> findNode = jsDecode(codec.encodeResponse(new KadResponse.FindNode(List.of(a, b)), NOW));
            assertThat(findNode.get("type")).isEqualTo("FIND_NODE");
            // NOT_CONNECTED is 0, proto3's default: absent on the wire, js reads no connection
            assertThat(peers(findNode, "closer")).containsExactly(jsPeer(PEER_A, "CAN_CONNECT", ADDR_A),
                    jsPeer(PEER_B, null, ADDR_B));

            Map<String, Object> providers = jsDecode(codec.encodeResponse(new KadResponse.GetProviders(List.of(b), List.of(a)), NOW));
            assertThat(providers.get("type")).isEqualTo("GET_PROVIDERS");
            assertThat(peers(providers, "closer")).containsExactly(jsPeer(PEER_B, null, ADDR_B));
            assertThat(peers(providers, "providers")).containsExactly(jsPeer(PEER_A, "CAN_CONNECT", ADDR_A));
        }

        @Test
        void getValueResponseRecordHasATimeReceivedJsParses() throws Exception {
            DhtRecord record = DhtRecord.of(RecordKey.ofUtf8("/jkad/got"), bytes("v"));
            Map<String, Object> m = jsDecode(codec.encodeResponse(new KadResponse.GetValue(Optional.of(record),
                    List.of(new KadPeer(PEER_B, List.of(ADDR_B), ConnectionType.CONNECTED))), NOW));

            assertThat(m.get("type")).isEqualTo("GET_VALUE");
            assertThat(record(m)).containsEntry("key", b64(bytes("/jkad/got")))
                    .containsEntry("value", b64(bytes("v")))
                    .containsEntry("timeReceived", "2025-01-02T03:04:05.123456789Z")
                    .containsEntry("timeReceivedParsed", "2025-01-02T03:04:05.123Z");
            assertThat(peers(m, "closer")).hasSize(1);
        }

        @Test
        void putValueResponseEcho() throws Exception {
            DhtRecord record = DhtRecord.of(RecordKey.ofUtf8("/jkad/echo"), bytes("v"));
            Map<String, Object> m = jsDecode(codec.encodeResponse(new KadResponse.PutValue(record.key(), record), NOW));

            assertThat(m.get("type")).isEqualTo("PUT_VALUE");
            assertThat(m.get("key")).isEqualTo(b64(bytes("/jkad/echo")));
            assertThat(record(m)).containsEntry("key", b64(bytes("/jkad/echo"))).containsEntry("value", b64(bytes("v")));
        }
    }

    @Nested
    class JsEncodesJkadDecodes {

        @Test
        void putValueRequestAsJsSendsIt() throws Exception {
            Map<String, Object> record = map("key", b64(bytes("/jkad/js")), "value", b64(bytes("from js")),
                    "timeReceived", "2024-12-31T23:59:59.999000000Z");
            byte[] bytes = jsEncode(map("type", "PUT_VALUE", "key", b64(bytes("/jkad/js")), "record", record));

            assertThat(codec.decodeRequest(bytes, NOW)).isEqualTo(new KadRequest.PutValue(
                    DhtRecord.of(RecordKey.ofUtf8("/jkad/js"), bytes("from js"))));
        }

        @Test
        void requestsAsJsSendsThem() throws Exception {
            byte[] key = PEER_B.toBytes();
            assertThat(codec.decodeRequest(jsEncode(map("type", "FIND_NODE", "key", b64(key))), NOW))
                    .isEqualTo(new KadRequest.FindNode(RecordKey.of(key)));
            assertThat(codec.decodeRequest(jsEncode(map("type", "GET_VALUE", "key", b64(bytes("/jkad/x")))), NOW))
                    .isEqualTo(new KadRequest.GetValue(RecordKey.ofUtf8("/jkad/x")));
            assertThat(codec.decodeRequest(jsEncode(map("type", "GET_PROVIDERS", "key", b64(bytes("mh")))), NOW))
                    .isEqualTo(new KadRequest.GetProviders(RecordKey.ofUtf8("mh")));
            assertThat(codec.decodeRequest(jsEncode(map("type", "PING")), NOW)).isEqualTo(new KadRequest.Ping());
        }

        @Test
        void addProviderAsJsSendsIt() throws Exception {
            byte[] bytes = jsEncode(map("type", "ADD_PROVIDER", "key", b64(bytes("mh")),
                    "providers", List.of(jsPeer(PEER_A, null, ADDR_A, ADDR_B))));

            assertThat(codec.decodeRequest(bytes, NOW)).isEqualTo(new KadRequest.AddProvider(RecordKey.ofUtf8("mh"),
                    new KadPeer(PEER_A, List.of(ADDR_A, ADDR_B), ConnectionType.NOT_CONNECTED)));
        }

        @Test
        void responsesAsJsSendsThem() throws Exception {
            Map<String, Object> a = jsPeer(PEER_A, "CONNECTED", ADDR_A);
            Map<String, Object> b = jsPeer(PEER_B, "CANNOT_CONNECT", ADDR_B);
            KadPeer peerA = new KadPeer(PEER_A, List.of(ADDR_A), ConnectionType.CONNECTED);
            KadPeer peerB = new KadPeer(PEER_B, List.of(ADDR_B), ConnectionType.CANNOT_CONNECT);

            assertThat(codec.decodeResponse(jsEncode(map("type", "FIND_NODE", "closer", List.of(a, b))),
                    new KadRequest.FindNode(RecordKey.of(PEER_A.toBytes())), NOW))
                    .isEqualTo(new KadResponse.FindNode(List.of(peerA, peerB)));

            assertThat(codec.decodeResponse(jsEncode(map("type", "GET_PROVIDERS", "key", b64(bytes("mh")),
                            "closer", List.of(b), "providers", List.of(a))),
                    new KadRequest.GetProviders(RecordKey.ofUtf8("mh")), NOW))
                    .isEqualTo(new KadResponse.GetProviders(List.of(peerB), List.of(peerA)));

            Map<String, Object> record = map("key", b64(bytes("/jkad/v")), "value", b64(bytes("js value")),
                    "timeReceived", "2025-01-01T00:00:00.000000000Z");
            assertThat(codec.decodeResponse(jsEncode(map("type", "GET_VALUE", "key", b64(bytes("/jkad/v")),
                            "record", record, "closer", List.of(a))),
                    new KadRequest.GetValue(RecordKey.ofUtf8("/jkad/v")), NOW))
                    .isEqualTo(new KadResponse.GetValue(Optional.of(DhtRecord.of(RecordKey.ofUtf8("/jkad/v"), bytes("js value"))),
                            List.of(peerA)));

            assertThat(codec.decodeResponse(jsEncode(map("type", "PING")), new KadRequest.Ping(), NOW))
                    .isEqualTo(new KadResponse.Pong());
        }
    }

    // ---- the pipe to codec.mjs ---------------------------------------------------------------

    private Map<String, Object> jsDecode(byte[] bytes) throws Exception {
        Map<String, Object> answer = ask(Map.of("decode", b64(bytes)));
        @SuppressWarnings("unchecked")
        Map<String, Object> message = (Map<String, Object>) answer.get("message");
        return message;
    }

    private byte[] jsEncode(Map<String, Object> message) throws Exception {
        return Base64.getDecoder().decode((String) ask(Map.of("encode", message)).get("bytes"));
    }

    private Map<String, Object> ask(Map<String, Object> question) throws Exception {
        toJs.write(Json.write(question));
        toJs.write('\n');
        toJs.flush();
        String line = fromJs.readLine();
        assertThat(line).as("codec.mjs answered").isNotNull();
        Map<String, Object> answer = Json.parseObject(line);
        assertThat(answer.get("ok")).as("codec.mjs: %s", answer.get("error")).isEqualTo(true);
        return answer;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> record(Map<String, Object> message) {
        assertThat(message.get("record")).isInstanceOf(Map.class);
        return (Map<String, Object>) message.get("record");
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> peers(Map<String, Object> message, String field) {
        return (List<Map<String, Object>>) message.get(field);
    }

    private static Map<String, Object> jsPeer(PeerId id, String connection, Multiaddr... addrs) {
        List<Object> encoded = new ArrayList<>();
        for (Multiaddr a : addrs) {
            encoded.add(b64(a.toBytes()));
        }
        return map("id", b64(id.toBytes()), "multiaddrs", encoded, "connection", connection);
    }

    private static Map<String, Object> map(Object... keyValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            m.put((String) keyValues[i], keyValues[i + 1]);
        }
        return m;
    }

    private static String b64(byte[] bytes) {
        return B64.encodeToString(bytes);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
