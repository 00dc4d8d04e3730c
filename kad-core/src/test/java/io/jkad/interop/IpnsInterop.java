package io.jkad.interop;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.identity.PeerKeys;
import io.jkad.net.LibP2pTestKeys;
import io.jkad.record.RecordKey;
import io.jkad.validation.InvalidReason;
import io.jkad.validation.IpnsRecord;
import io.jkad.validation.IpnsValidator;
import io.jkad.validation.Validation;
import io.jkad.validation.pb.IpnsProto.IpnsEntry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * IPNS records across implementations: records made by another implementation's own IPNS code
 * (go's boxo, js's {@code ipns}) validated and selected by jkad, and jkad's records — good and
 * tampered — validated and selected by it, each side's verdict the same on the same bytes.
 */
abstract class IpnsInterop {

    private static final HexFormat HEX = HexFormat.of();
    private static final String VALUE = "/ipfs/bafkqaddwgevxmmraojswg33smq";
    private final IpnsValidator validator = new IpnsValidator();

    /** Who makes and checks the records ({@code go}, {@code js}). */
    abstract String who();

    /** The key types the other side makes and reads. */
    abstract List<String> keyTypes();

    /** Runs the other side's helper on one request; its answer. */
    abstract JsonObject run(JsonObject request) throws Exception;

    /** Validities as js writes them have 9 fraction digits and go's none when zero: both are read. */
    private static String validity(Instant t) {
        return t.truncatedTo(ChronoUnit.MILLIS).toString();
    }

    private static JsonObject make(String keyType, long sequence, Instant validity, boolean v1, Integer reuse) {
        JsonObject m = new JsonObject();
        m.addProperty("key_type", keyType);
        m.addProperty("value", VALUE);
        m.addProperty("sequence", sequence);
        m.addProperty("validity", validity(validity));
        m.addProperty("ttl_s", 300);
        m.addProperty("v1", v1);
        if (reuse != null) {
            m.addProperty("reuse", reuse);
        }
        return m;
    }

    @Test
    void theirRecordsValidateHereAndTheBestIsChosenAsTheyChooseIt() throws Exception {
        Instant now = Instant.now();
        JsonArray makes = new JsonArray();
        for (String type : keyTypes()) {
            makes.add(make(type, 0, now.plus(Duration.ofHours(48)), true, null));
            makes.add(make(type, 1, now.plus(Duration.ofHours(1)), false, null));
        }
        // one name, five records: sequences 1, 3, 2, and 3 again with a later validity
        int first = makes.size();
        makes.add(make("ed25519", 1, now.plus(Duration.ofHours(2)), true, null));
        makes.add(make("ed25519", 3, now.plus(Duration.ofHours(2)), true, first));
        makes.add(make("ed25519", 2, now.plus(Duration.ofHours(9)), true, first));
        makes.add(make("ed25519", 3, now.plus(Duration.ofHours(3)), false, first));
        JsonObject req = new JsonObject();
        req.add("make", makes);
        JsonArray made = run(req).getAsJsonArray("made");
        assertThat(made).hasSize(makes.size());
        for (int i = 0; i < made.size(); i++) {
            JsonObject m = made.get(i).getAsJsonObject();
            PeerId id = PeerId.parse(m.get("peer_id").getAsString());
            assertThat(id.toIpnsName()).as("%s prints the name of %s", who(), id).isEqualTo(m.get("name").getAsString());
            RecordKey key = IpnsRecord.keyOf(id);
            assertThat(key.toHex()).isEqualTo(m.get("key_hex").getAsString());
            byte[] record = HEX.parseHex(m.get("record_hex").getAsString());
            Validation v = validator.validate(key, record, Instant.now());
            assertThat(v.isValid()).as("%s's %s record %d: %s", who(), m.get("key_type").getAsString(), i, v).isTrue();
            IpnsRecord parsed = IpnsRecord.parse(record);
            assertThat(new String(parsed.value(), StandardCharsets.UTF_8)).isEqualTo(VALUE);
            assertThat(parsed.sequence()).isEqualTo(makes.get(i).getAsJsonObject().get("sequence").getAsLong());
        }
        List<byte[]> sameName = new ArrayList<>();
        for (int i = first; i < made.size(); i++) {
            sameName.add(HEX.parseHex(made.get(i).getAsJsonObject().get("record_hex").getAsString()));
        }
        RecordKey key = RecordKey.of(HEX.parseHex(made.get(first).getAsJsonObject().get("key_hex").getAsString()));
        // sequence 3 with the later validity (the fourth of the name's records)
        assertThat(validator.select(key, sameName)).isEqualTo(3);
        assertThat(theirSelection(key, sameName)).isEqualTo(3);
    }

    private int theirSelection(RecordKey key, List<byte[]> records) throws Exception {
        JsonObject s = new JsonObject();
        s.addProperty("key_hex", key.toHex());
        JsonArray list = new JsonArray();
        records.forEach(r -> list.add(HEX.formatHex(r)));
        s.add("records_hex", list);
        JsonArray select = new JsonArray();
        select.add(s);
        JsonObject req = new JsonObject();
        req.add("select", select);
        JsonObject sel = run(req).getAsJsonArray("selected").get(0).getAsJsonObject();
        assertThat(sel.get("error").getAsString()).isEmpty();
        return sel.get("index").getAsInt();
    }

    /** A key type's signer, made here. */
    private static LibP2pTestKeys.Signer signer(String type) {
        return switch (type) {
            case "ed25519" -> LibP2pTestKeys.ed25519(Ed25519KeyPair.generate());
            case "secp256k1" -> LibP2pTestKeys.secp256k1();
            case "ecdsa" -> LibP2pTestKeys.jdk(PeerKeys.TYPE_ECDSA, LibP2pTestKeys.generate("EC", "secp256r1"));
            case "rsa" -> LibP2pTestKeys.jdk(PeerKeys.TYPE_RSA, LibP2pTestKeys.generate("RSA", 2048));
            default -> throw new IllegalArgumentException(type);
        };
    }

    private static byte[] ours(LibP2pTestKeys.Signer s, long sequence, Instant validity, boolean v1) {
        boolean inlined = PeerKeys.decode(s.publicKeyProtobuf()).peerId().toBytes()[0] == 0;
        return IpnsRecord.create(s.publicKeyProtobuf(), s::sign, !inlined, VALUE.getBytes(StandardCharsets.UTF_8),
                sequence, validity, Duration.ofMinutes(5), v1);
    }

    @Test
    void ourRecordsAreJudgedThereAsHereGoodAndTampered() throws Exception {
        Instant now = Instant.now();
        Map<String, byte[]> cases = new LinkedHashMap<>();
        Map<String, RecordKey> keys = new LinkedHashMap<>();
        java.util.Set<String> goodOnes = new java.util.HashSet<>();
        for (String type : keyTypes()) {
            LibP2pTestKeys.Signer s = signer(type);
            RecordKey key = IpnsRecord.keyOf(PeerKeys.decode(s.publicKeyProtobuf()).peerId());
            for (boolean v1 : new boolean[] {false, true}) {
                String name = type + (v1 ? " v1+v2" : " v2");
                cases.put(name, ours(s, 5, now.plus(Duration.ofHours(48)), v1));
                keys.put(name, key);
                goodOnes.add(name);
            }
        }
        LibP2pTestKeys.Signer owner = signer("ed25519");
        RecordKey key = IpnsRecord.keyOf(PeerKeys.decode(owner.publicKeyProtobuf()).peerId());
        byte[] good = ours(owner, 2, now.plus(Duration.ofHours(1)), true);
        IpnsEntry e = IpnsEntry.parseFrom(good);
        byte[] sig = e.getSignatureV2().toByteArray();
        sig[10] ^= 1;
        cases.put("bad signature", e.toBuilder().setSignatureV2(ByteString.copyFrom(sig)).build().toByteArray());
        cases.put("signed by another key", ours(signer("ed25519"), 2, now.plus(Duration.ofHours(1)), false));
        cases.put("V1 value differs", e.toBuilder().setValue(ByteString.copyFromUtf8("/ipfs/other")).build().toByteArray());
        cases.put("V1 sequence differs", e.toBuilder().setSequence(7).build().toByteArray());
        cases.put("expired", ours(owner, 2, now.minus(Duration.ofMinutes(1)), true));
        cases.put("over 10 KiB", e.toBuilder().setUnknownFields(com.google.protobuf.UnknownFieldSet.newBuilder()
                .addField(99, com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                        .addLengthDelimited(ByteString.copyFrom(new byte[IpnsRecord.MAX_SIZE])).build()).build())
                .build().toByteArray());
        cases.put("V1 only", IpnsEntry.newBuilder(e).clearSignatureV2().clearData().build().toByteArray());
        for (String name : List.of("bad signature", "signed by another key", "V1 value differs", "V1 sequence differs",
                "expired", "over 10 KiB", "V1 only")) {
            keys.put(name, key);
        }
        JsonArray check = new JsonArray();
        cases.forEach((name, record) -> {
            JsonObject c = new JsonObject();
            c.addProperty("key_hex", keys.get(name).toHex());
            c.addProperty("record_hex", HEX.formatHex(record));
            check.add(c);
        });
        JsonObject req = new JsonObject();
        req.add("check", check);
        JsonArray checked = run(req).getAsJsonArray("checked");
        int i = 0;
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            JsonObject verdict = checked.get(i++).getAsJsonObject();
            Validation ours = validator.validate(keys.get(c.getKey()), c.getValue(), Instant.now());
            boolean good1 = goodOnes.contains(c.getKey());
            assertThat(ours.isValid()).as("jkad on %s: %s", c.getKey(), ours).isEqualTo(good1);
            assertThat(verdict.get("valid").getAsBoolean()).as("%s on %s: %s", who(), c.getKey(), verdict)
                    .isEqualTo(good1);
        }
        assertThat(((Validation.Invalid) validator.validate(key, cases.get("expired"), Instant.now())).reason())
                .isEqualTo(InvalidReason.EXPIRED);

        // selection of our records of one name: both sides pick sequence 4
        List<byte[]> records = List.of(ours(owner, 3, now.plus(Duration.ofHours(5)), true),
                ours(owner, 4, now.plus(Duration.ofHours(1)), false), ours(owner, 1, now.plus(Duration.ofHours(9)), true));
        assertThat(validator.select(key, records)).isEqualTo(1);
        assertThat(theirSelection(key, records)).isEqualTo(1);
    }
}
