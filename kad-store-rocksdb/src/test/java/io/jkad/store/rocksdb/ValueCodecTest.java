package io.jkad.store.rocksdb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jkad.identity.PeerId;
import io.jkad.multiaddr.Multiaddr;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.store.rocksdb.ValueCodec.CorruptValueException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The value encoding and the key layout, without RocksDB. */
class ValueCodecTest {

    private static final RecordKey KEY = RecordKey.ofUtf8("k");

    private static Optional<Instant> randomExpiry(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> Optional.empty();
            case 1 -> Optional.of(Instant.ofEpochSecond(random.nextLong() % 7_258_118_400L, random.nextInt(1_000_000_000)));
            default -> Optional.of(Instant.ofEpochSecond(random.nextInt(), 999_999_999));
        };
    }

    @Test
    void valueRecordsRoundTrip() throws Exception {
        Random random = new Random(1);
        for (int i = 0; i < 500; i++) {
            byte[] value = new byte[random.nextInt(3) == 0 ? 0 : random.nextInt(300)];
            random.nextBytes(value);
            DhtRecord r = DhtRecord.of(KEY, value,
                    random.nextBoolean() ? Optional.of(PeerId.random(random)) : Optional.empty(), randomExpiry(random));
            byte[] encoded = ValueCodec.encodeRecord(r);
            assertThat(encoded[0]).as("version byte first").isEqualTo(ValueCodec.VERSION_1);
            assertThat(ValueCodec.decodeRecord(KEY, encoded)).isEqualTo(r);
            assertThat(ValueCodec.recordExpiry(encoded)).isEqualTo(r.expires());
        }
    }

    @Test
    void providerRecordsRoundTrip() throws Exception {
        Random random = new Random(2);
        List<Multiaddr> all = List.of(Multiaddr.parse("/ip4/127.0.0.1/tcp/4001"), Multiaddr.parse("/ip6/::1/tcp/1"),
                Multiaddr.parse("/dns4/example.com/tcp/443"));
        for (int i = 0; i < 300; i++) {
            List<Multiaddr> addresses = new ArrayList<>(all.subList(0, random.nextInt(all.size() + 1)));
            ProviderRecord p = new ProviderRecord(KEY, PeerId.random(random), randomExpiry(random), addresses);
            long seq = random.nextLong() & Long.MAX_VALUE;
            byte[] encoded = ValueCodec.encodeProvider(seq, p);
            assertThat(encoded[0]).isEqualTo(ValueCodec.VERSION_1);
            assertThat(ValueCodec.decodeProvider(KEY, encoded)).isEqualTo(new ValueCodec.StoredProvider(seq, p));
        }
    }

    @Test
    void theExpiryOfAValueRecordIsReadFromItsFirstBytesAlone() throws Exception {
        Random random = new Random(11);
        for (int i = 0; i < 300; i++) {
            byte[] value = new byte[random.nextInt(100)];
            DhtRecord r = DhtRecord.of(KEY, value,
                    random.nextBoolean() ? Optional.of(PeerId.random(random)) : Optional.empty(), randomExpiry(random));
            byte[] encoded = ValueCodec.encodeRecord(r);
            // what a get into a buffer of RECORD_HEADER_BYTES gives: the start, and the whole length
            byte[] head = Arrays.copyOf(encoded, ValueCodec.RECORD_HEADER_BYTES);
            int length = Math.min(encoded.length, head.length);
            assertThat(ValueCodec.recordHead(head, length)).isEqualTo(new ValueCodec.RecordHead(r.expires(), r.expires()));
            // with its index entry before the expiry (layout 4): the head says where
            if (r.expires().isPresent()) {
                Optional<Instant> indexed = Optional.of(r.expires().get().minusSeconds(1 + random.nextInt(1000)));
                byte[] early = ValueCodec.encodeRecord(r, indexed);
                byte[] earlyHead = Arrays.copyOf(early, ValueCodec.RECORD_HEADER_BYTES);
                assertThat(ValueCodec.recordHead(earlyHead, Math.min(early.length, earlyHead.length)))
                        .isEqualTo(new ValueCodec.RecordHead(r.expires(), indexed));
                assertThat(ValueCodec.decodeRecord(KEY, early)).isEqualTo(r);
                // moved to the expiry: the bytes of the record without the instant
                assertThat(ValueCodec.indexedAtExpiry(early)).isEqualTo(encoded);
            }
            assertThat(ValueCodec.indexedAtExpiry(encoded)).isSameAs(encoded);
        }
        // an index instant after the expiry, or without one, is not written
        DhtRecord expiring = DhtRecord.of(KEY, new byte[1], Optional.empty(), Optional.of(Instant.EPOCH));
        assertThatThrownBy(() -> ValueCodec.encodeRecord(expiring, Optional.of(Instant.EPOCH.plusNanos(1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ValueCodec.encodeRecord(expiring.withExpires(Optional.empty()), Optional.of(Instant.EPOCH)))
                .isInstanceOf(IllegalArgumentException.class);
        // a record that says it has an expiry but ends before it
        assertThatThrownBy(() -> ValueCodec.recordHead(new byte[] {1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 9))
                .isInstanceOf(CorruptValueException.class).hasMessageContaining("(9 bytes): truncated");
    }

    @Test
    void aProviderHeadIsTheStartOfItsProviderRecordAndRoundTrips() throws Exception {
        Random random = new Random(12);
        for (int i = 0; i < 300; i++) {
            Optional<Instant> expires = randomExpiry(random);
            long seq = random.nextLong() & Long.MAX_VALUE;
            ProviderRecord p = new ProviderRecord(KEY, PeerId.random(random), expires,
                    List.of(Multiaddr.parse("/ip4/10.0.0.1/tcp/1")));
            byte[] head = ValueCodec.encodeProviderHead(seq, expires);
            byte[] record = ValueCodec.encodeProvider(seq, p);
            assertThat(Arrays.copyOf(record, head.length)).isEqualTo(head);
            assertThat(head.length).isLessThanOrEqualTo(ValueCodec.PROVIDER_HEAD_MAX_BYTES);
            byte[] buffer = Arrays.copyOf(head, ValueCodec.PROVIDER_HEAD_MAX_BYTES);
            assertThat(ValueCodec.decodeProviderHead(buffer, head.length))
                    .isEqualTo(new ValueCodec.ProviderHead(seq, expires));
        }
    }

    @Test
    void aDamagedProviderHeadIsACorruptValueException() {
        byte[] head = ValueCodec.encodeProviderHead(3, Optional.of(Instant.EPOCH));
        byte[] buffer = Arrays.copyOf(head, ValueCodec.PROVIDER_HEAD_MAX_BYTES);
        assertThatThrownBy(() -> ValueCodec.decodeProviderHead(buffer, 5))
                .isInstanceOf(CorruptValueException.class).hasMessageContaining("provider head (5 bytes): truncated");
        assertThatThrownBy(() -> ValueCodec.decodeProviderHead(buffer, ValueCodec.PROVIDER_HEAD_MAX_BYTES + 1))
                .isInstanceOf(CorruptValueException.class).hasMessageContaining("longer than a head");
        byte[] noExpiry = Arrays.copyOf(ValueCodec.encodeProviderHead(3, Optional.empty()), ValueCodec.PROVIDER_HEAD_MAX_BYTES);
        assertThatThrownBy(() -> ValueCodec.decodeProviderHead(noExpiry, 11))
                .isInstanceOf(CorruptValueException.class).hasMessageContaining("1 bytes after the head");
        byte[] unknownVersion = buffer.clone();
        unknownVersion[0] = 2;
        assertThatThrownBy(() -> ValueCodec.decodeProviderHead(unknownVersion, head.length))
                .isInstanceOf(CorruptValueException.class).hasMessageContaining("unknown encoding version 2");
    }

    @Test
    void damagedValuesAreCorruptValueExceptionsNotCrashes() {
        DhtRecord r = DhtRecord.of(KEY, new byte[] {1, 2}, Optional.of(PeerId.random(new Random(3))),
                Optional.of(Instant.EPOCH));
        byte[] good = ValueCodec.encodeRecord(r);
        byte[] provider = ValueCodec.encodeProvider(7, new ProviderRecord(KEY, PeerId.random(new Random(4)),
                Optional.empty(), List.of(Multiaddr.parse("/ip4/1.2.3.4/tcp/5"))));
        List<byte[]> bad = new ArrayList<>();
        bad.add(new byte[0]);
        bad.add(new byte[] {2, 0});                          // unknown version
        bad.add(new byte[] {1, 8});                          // unknown flag
        bad.add(new byte[] {1, 4});                          // an index instant without an expiry
        byte[] lateIndex = ValueCodec.encodeRecord(r, Optional.of(Instant.EPOCH.minusSeconds(1)));
        Arrays.fill(lateIndex, 14, 22, (byte) 0);
        lateIndex[21] = 1;                                   // the index instant now after the expiry (second 1)
        bad.add(lateIndex);
        bad.add(Arrays.copyOf(good, 10));                    // truncated expiry
        byte[] badNanos = good.clone();
        badNanos[10] = (byte) 0x7f;                          // nanoseconds out of range
        bad.add(badNanos);
        byte[] longPublisher = good.clone();
        longPublisher[14] = 120;                             // publisher longer than what follows
        bad.add(longPublisher);
        for (byte[] b : bad) {
            assertThatThrownBy(() -> ValueCodec.decodeRecord(KEY, b)).isInstanceOf(CorruptValueException.class);
        }
        List<byte[]> badProviders = List.of(
                new byte[] {1},
                Arrays.copyOf(provider, provider.length - 1),    // truncated address
                Arrays.copyOf(provider, provider.length + 1),    // a byte too many
                new byte[] {1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 0, 0}); // a peer id that is not one
        for (byte[] b : badProviders) {
            assertThatThrownBy(() -> ValueCodec.decodeProvider(KEY, b)).isInstanceOf(CorruptValueException.class);
        }
        // random garbage never escapes as anything but CorruptValueException
        Random random = new Random(5);
        for (int i = 0; i < 2000; i++) {
            byte[] b = new byte[random.nextInt(60)];
            random.nextBytes(b);
            if (b.length > 0 && random.nextBoolean()) {
                b[0] = 1;
            }
            try {
                ValueCodec.decodeRecord(KEY, b);
            } catch (CorruptValueException expected) {
                // fine
            }
            try {
                ValueCodec.decodeProvider(KEY, b);
            } catch (CorruptValueException expected) {
                // fine
            }
        }
    }

    @Test
    void instantKeysSortAsTime() {
        Random random = new Random(6);
        List<Instant> instants = new ArrayList<>(List.of(Instant.MIN, Instant.MAX, Instant.EPOCH,
                Instant.EPOCH.minusNanos(1), Instant.EPOCH.plusNanos(1), Instant.parse("2200-01-01T00:00:00Z")));
        for (int i = 0; i < 200; i++) {
            instants.add(Instant.ofEpochSecond(random.nextLong() % 10_000_000_000L, random.nextInt(1_000_000_000)));
        }
        for (Instant a : instants) {
            for (Instant b : instants) {
                int byTime = Integer.signum(a.compareTo(b));
                int byBytes = Integer.signum(Arrays.compareUnsigned(KeyLayout.instantKey(a), KeyLayout.instantKey(b)));
                assertThat(byBytes).as("%s vs %s", a, b).isEqualTo(byTime);
            }
            assertThat(KeyLayout.instantOfExpiryKey(KeyLayout.expiryKey(a, KeyLayout.KIND_RECORD, new byte[] {9})))
                    .isEqualTo(a);
        }
    }

    @Test
    void providerKeysOfAKeyAreOneRangeThatNoOtherKeyEnters() {
        byte[] a = {'a'};
        byte[] a0 = {'a', 0};
        byte[] pa = KeyLayout.providerPrefix(a);
        assertThat(KeyLayout.startsWith(KeyLayout.providerKey(a0, 0), pa)).isFalse();
        assertThat(KeyLayout.startsWith(KeyLayout.providerKey(a, Long.MAX_VALUE), pa)).isTrue();
        byte[] k = KeyLayout.providerKey(a0, 42);
        assertThat(KeyLayout.recordKeyOfProviderKey(k)).isEqualTo(a0);
        assertThat(KeyLayout.seqOfProviderKey(k)).isEqualTo(42);
        assertThat(KeyLayout.providerPrefixLength(k)).isEqualTo(6);
        // seq order is key order within one key
        assertThat(Arrays.compareUnsigned(KeyLayout.providerKey(a, 255), KeyLayout.providerKey(a, 256))).isNegative();
        assertThatThrownBy(() -> KeyLayout.seqOfProviderKey(new byte[] {0, 0, 0, 5, 1, 2, 3, 4, 5, 6, 7, 8, 9}))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("key length field 5");
        assertThatThrownBy(() -> KeyLayout.recordKeyOfProviderKey(new byte[3]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 bytes");
    }

    @Test
    void providerPeerKeysOfAKeyShareItsProviderPrefixAndNoOtherKeysDo() {
        byte[] a = {'a'};
        byte[] a0 = {'a', 0};
        byte[] peer = PeerId.random(new Random(13)).toBytes();
        byte[] k = KeyLayout.providerPeerKey(a, peer);
        assertThat(KeyLayout.startsWith(k, KeyLayout.providerPrefix(a))).isTrue();
        assertThat(KeyLayout.startsWith(KeyLayout.providerPeerKey(a0, peer), KeyLayout.providerPrefix(a))).isFalse();
        assertThat(Arrays.copyOfRange(k, KeyLayout.LENGTH_BYTES + a.length, k.length)).isEqualTo(peer);
    }
}
