package io.jkad.testkit;


import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.jkad.identity.Ed25519KeyPair;
import io.jkad.identity.PeerId;
import io.jkad.record.DhtRecord;
import io.jkad.record.ProviderRecord;
import io.jkad.record.RecordKey;
import io.jkad.record.RecordStore;
import io.jkad.record.StoreConfig;
import io.jkad.record.StoreCounts;
import io.jkad.record.StoreException.Kind;
import io.jkad.validation.IpnsRecord;
import io.jkad.validation.IpnsValidator;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The kit's value-record part: put, get and remove, the limits, and the counts. */
public abstract class ValueRecordsContract extends StoreContractBase {
    // ------------------------------------------------------------------ values: CRUD

    @Test
    void putThenGetReturnsTheRecordWithAllFields() {
        RecordStore s = open();
        DhtRecord r = record(key("a"), bytes("value a"), peer(1), clock.instant().plusSeconds(60));
        s.put(r);
        assertThat(s.get(key("a"))).contains(r);
        DhtRecord bare = record(key("b"), "value b");
        s.put(bare);
        assertThat(s.get(key("b"))).contains(bare);
    }

    /**
     * What validation needs of a store: a signed IPNS record comes back byte for byte (its
     * signature covers those bytes) and still valid, also after a reopen, and the expiry sweep
     * removes it at the end of its validity, where the node sets its expiry.
     */
    @Test
    void aSignedIpnsRecordIsKeptVerbatimAndSweptAtItsEndOfLife() {
        Ed25519KeyPair owner = Ed25519KeyPair.generate();
        Instant validity = clock.instant().plusSeconds(600);
        byte[] value = IpnsRecord.create(owner.publicKey().encodeProtobuf(), owner::sign, false,
                bytes("/ipfs/bafkqaddwgevxmmraojswg33smq"), 3, validity, Duration.ofMinutes(5), true);
        RecordKey key = IpnsRecord.keyOf(PeerId.fromPublicKey(owner.publicKey()));
        IpnsValidator validator = new IpnsValidator();
        StoreConfig config = config();
        RecordStore s = open(config);
        s.put(record(key, value, peer(1), validity));
        if (persistent()) {
            s = reopen(s, config);
        }
        byte[] back = s.get(key).orElseThrow().value();
        assertThat(back).isEqualTo(value);
        assertThat(validator.validate(key, back, clock.instant()).isValid()).isTrue();
        assertThat(s.removeExpired(validity.minusNanos(1))).isZero();
        assertThat(s.removeExpired(validity.plusNanos(1))).isEqualTo(1);
        assertThat(s.get(key)).isEmpty();
    }

    @Test
    void getOfAbsentKeyIsEmpty() {
        RecordStore s = open();
        assertThat(s.get(key("absent"))).isEmpty();
        s.put(record(key("present"), "v"));
        assertThat(s.get(key("absent"))).isEmpty();
        assertThat(s.get(key("presen"))).isEmpty();
        assertThat(s.get(key("present!"))).isEmpty();
    }

    @Test
    void putReplacesValuePublisherAndExpiry() {
        RecordStore s = open();
        s.put(record(key("k"), bytes("old"), peer(1), clock.instant().plusSeconds(5)));
        DhtRecord newer = record(key("k"), bytes("new and longer"), peer(2), clock.instant().plusSeconds(50));
        s.put(newer);
        assertThat(s.get(key("k"))).contains(newer);
        DhtRecord bare = record(key("k"), "bare");
        s.put(bare);
        assertThat(s.get(key("k"))).contains(bare);
        assertThat(records(s)).containsExactly(bare);
    }

    @Test
    void removeDeletesOnlyThatRecord() {
        RecordStore s = open();
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), "2"));
        s.remove(key("a"));
        assertThat(s.get(key("a"))).isEmpty();
        assertThat(s.get(key("b"))).contains(record(key("b"), "2"));
        s.remove(key("a"));
        s.remove(key("never stored"));
        assertThat(records(s)).containsExactly(record(key("b"), "2"));
        s.put(record(key("a"), "again"));
        assertThat(s.get(key("a"))).contains(record(key("a"), "again"));
    }

    @Test
    void valueAndProviderRecordsOfOneKeyAreIndependent() {
        RecordStore s = open();
        RecordKey k = key("both");
        s.put(record(k, "v"));
        s.addProvider(provider(k, peer(1)));
        s.remove(k);
        assertThat(s.providers(k)).containsExactly(provider(k, peer(1)));
        s.put(record(k, "v"));
        s.removeProvider(k, peer(1));
        assertThat(s.get(k)).contains(record(k, "v"));
        assertThat(s.providers(k)).isEmpty();
    }

    @Test
    void nullArgumentsThrowNullPointerException() {
        RecordStore s = open();
        assertThatThrownBy(() -> s.get(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.put(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.remove(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.addProvider(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.providers(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeProvider(null, peer(1))).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeProvider(key("k"), null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> s.removeExpired(null)).isInstanceOf(NullPointerException.class);
        assertThat(records(s)).isEmpty();
    }

    // ------------------------------------------------------------------ limits

    @Test
    void valueOfExactlyMaxValueBytesIsAcceptedAndOneMoreIsRefused() {
        RecordStore s = open(config(16, 100, 20, 16));
        DhtRecord atLimit = DhtRecord.of(key("max"), new byte[100]);
        s.put(atLimit);
        assertThat(s.get(key("max"))).contains(atLimit);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("big"), new byte[101])));
        assertThat(s.get(key("big"))).isEmpty();
    }

    @Test
    void tooLargeValueLeavesTheExistingRecordUnchanged() {
        RecordStore s = open(config(16, 100, 20, 16));
        DhtRecord old = record(key("k"), bytes("old"), peer(1), clock.instant().plusSeconds(9));
        s.put(old);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("k"), new byte[101])));
        assertThat(s.get(key("k"))).contains(old);
        assertThat(records(s)).containsExactly(old);
        // the refused record's (absent) expiry was not indexed, the old one still is
        assertThat(s.removeExpired(clock.instant().plusSeconds(9))).isEqualTo(1);
    }

    @Test
    void keyOfExactlyMaxKeyBytesIsAcceptedAndOneMoreIsRefusedByEveryWrite() {
        StoreConfig config = config();
        assertThat(config.maxKeyBytes()).isEqualTo(StoreConfig.DEFAULT_MAX_KEY_BYTES);
        RecordStore s = open(config);
        RecordKey atLimit = RecordKey.of(randomBytes(new Random(11), config.maxKeyBytes()));
        RecordKey over = RecordKey.of(randomBytes(new Random(12), config.maxKeyBytes() + 1));
        DhtRecord r = record(atLimit, bytes("v"), peer(1), clock.instant().plusSeconds(60));
        s.put(r);
        // a remote and the local provider: the store's provider indexes hold the key with a peer id
        assertThat(s.addProvider(provider(atLimit, peer(2)))).isTrue();
        assertThat(s.addProvider(provider(atLimit, localPeer))).isTrue();
        assertThat(s.get(atLimit)).contains(r);
        assertThat(s.providers(atLimit)).containsExactly(provider(atLimit, peer(2)), provider(atLimit, localPeer));

        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(over, "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(over, peer(2))));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(over, localPeer)));
        assertThat(s.get(over)).isEmpty();
        assertThat(s.providers(over)).isEmpty();
        assertThat(records(s)).containsExactly(r);
        assertThat(provided(s)).containsExactly(provider(atLimit, localPeer));
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 1));
    }

    /** Issue 11: 1.9 MB keys were taken by the memory and RocksDB stores and refused differently by H2 and PostgreSQL. */
    @Test
    void hugeKeyIsRefusedAlikeAndReadsWithItFindNothing() {
        RecordStore s = open();
        RecordKey huge = RecordKey.of(randomBytes(new Random(13), 1_900_000));
        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(huge, "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider", () -> s.addProvider(provider(huge, peer(1))));
        assertThat(s.get(huge)).isEmpty();
        assertThat(s.providers(huge)).isEmpty();
        assertThatCode(() -> s.remove(huge)).doesNotThrowAnyException();
        assertThatCode(() -> s.removeProvider(huge, peer(1))).doesNotThrowAnyException();
        assertThat(records(s)).isEmpty();
        assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0));
        // the store still works
        s.put(record(key("after"), "v"));
        assertThat(s.get(key("after"))).contains(record(key("after"), "v"));
    }

    @Test
    void configuredMaxKeyBytesIsTheLimitAndIsCheckedBeforeTheValue() {
        RecordStore s = open(config(16, 100, 20, 16).withMaxKeyBytes(8));
        s.put(record(RecordKey.ofUtf8("12345678"), "v"));
        assertThat(s.addProvider(provider(RecordKey.ofUtf8("12345678"), peer(1)))).isTrue();
        assertRefused(Kind.KEY_TOO_LARGE, "put", () -> s.put(record(RecordKey.ofUtf8("123456789"), "v")));
        assertRefused(Kind.KEY_TOO_LARGE, "put",
                () -> s.put(DhtRecord.of(RecordKey.ofUtf8("123456789"), new byte[101])));
        assertRefused(Kind.KEY_TOO_LARGE, "addProvider",
                () -> s.addProvider(provider(RecordKey.ofUtf8("123456789"), peer(1))));
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 1));
    }

    @Test
    void refusedKeyLeavesTheStoreUnchangedAndClosedStillWins() {
        RecordStore s = open(config().withMaxKeyBytes(4));
        DhtRecord kept = record(key("k"), bytes("v"), null, clock.instant().plusSeconds(5));
        s.put(kept);
        assertRefused(Kind.KEY_TOO_LARGE, "put",
                () -> s.put(record(key("kk-too-long"), bytes("v"), null, clock.instant().plusSeconds(1))));
        // the refused record's expiry was never indexed
        assertThat(s.removeExpired(clock.instant().plusSeconds(1))).isZero();
        assertThat(records(s)).containsExactly(kept);
        s.close();
        assertRefused(Kind.CLOSED, "put", () -> s.put(record(key("kk-too-long"), "v")));
        assertRefused(Kind.CLOSED, "addProvider", () -> s.addProvider(provider(key("kk-too-long"), peer(1))));
    }

    @Test
    void maxRecordsRefusesOnlyNewKeys() {
        RecordStore s = open(config(3, 1024, 20, 16));
        for (int i = 0; i < 3; i++) {
            s.put(record(key(i), "v" + i));
        }
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(3), "v3")));
        assertThat(s.get(key(3))).isEmpty();
        assertThat(records(s)).hasSize(3);
        // overwriting at the limit works
        s.put(record(key(1), "replaced"));
        assertThat(s.get(key(1))).contains(record(key(1), "replaced"));
        assertThat(records(s)).hasSize(3);
        // a removal frees a slot
        s.remove(key(0));
        s.put(record(key(3), "v3"));
        assertThat(s.get(key(3))).contains(record(key(3), "v3"));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key(4), "v4")));
    }

    @Test
    void refusedAndIgnoredRecordsLeaveNoExpiryBehind() {
        RecordStore s = open(config(1, 8, 1, 1));
        Instant t = clock.instant().plusSeconds(1);
        s.put(record(key("kept"), "v"));
        s.addProvider(provider(key("kept"), peer(1)));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key("new"), bytes("v"), null, t)));
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(record(key("kept"), new byte[9], null, t)));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key("new"), localPeer, t)));
        assertThat(s.addProvider(provider(key("kept"), localPeer, t))).isFalse();
        assertThat(s.removeExpired(t)).isZero();
        assertThat(s.get(key("kept"))).contains(record(key("kept"), "v"));
        assertThat(s.providers(key("kept"))).containsExactly(provider(key("kept"), peer(1)));
        assertThat(provided(s)).isEmpty();
    }

    @Test
    void providerRecordsDoNotCountAgainstMaxRecordsNorValuesAgainstProvidedKeys() {
        RecordStore s = open(config(2, 1024, 20, 2));
        s.addProvider(provider(key("p1"), peer(1)));
        s.addProvider(provider(key("p2"), peer(1)));
        s.put(record(key("v1"), "1"));
        s.put(record(key("v2"), "2"));
        assertThat(records(s)).hasSize(2);
        assertThat(s.providers(key("p2"))).hasSize(1);
    }

    @Test
    void maxProvidedKeysRefusesOnlyKeysWithoutProviders() {
        RecordStore s = open(config(16, 1024, 20, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(s.addProvider(provider(key(i), peer(i)))).isTrue();
        }
        List<ProviderRecord> providedBefore = provided(s);
        // a new key is refused, from a remote peer or from the local one
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(3), peer(3))));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(3), localPeer)));
        assertThat(s.providers(key(3))).isEmpty();
        assertThat(provided(s)).isEqualTo(providedBefore);
        // more providers for a key already present, and updates, still work
        assertThat(s.addProvider(provider(key(0), peer(10)))).isTrue();
        assertThat(s.addProvider(provider(key(0), localPeer))).isTrue();
        assertThat(s.addProvider(provider(key(1), peer(1), clock.instant().plusSeconds(1)))).isTrue();
        assertThat(s.providers(key(0))).containsExactly(
                provider(key(0), peer(0)), provider(key(0), peer(10)), provider(key(0), localPeer));
        // removing a key's last provider frees its slot
        s.removeProvider(key(2), peer(2));
        assertThat(s.addProvider(provider(key(3), peer(3)))).isTrue();
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(4), peer(4))));
    }

    @Test
    void removingOneOfSeveralProvidersDoesNotFreeTheKeySlot() {
        RecordStore s = open(config(16, 1024, 20, 1));
        s.addProvider(provider(key(0), peer(0)));
        s.addProvider(provider(key(0), peer(1)));
        s.removeProvider(key(0), peer(0));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key(1), peer(1))));
        assertThat(s.providers(key(0))).containsExactly(provider(key(0), peer(1)));
    }

    // ------------------------------------------------------------------ counts

    @Test
    void countsFollowWritesRemovalsRefusalsAndExpiry() {
        RecordStore s = open(config(3, 8, 2, 2));
        assertThat(s.counts()).isEqualTo(new StoreCounts(0, 0));
        Instant soon = clock.instant().plusSeconds(10);
        s.put(record(key("a"), "1"));
        s.put(record(key("b"), bytes("2"), null, soon));
        s.put(record(key("a"), "replaced"));
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 0));
        s.addProvider(provider(key("a"), peer(1)));
        s.addProvider(provider(key("a"), localPeer));
        s.addProvider(provider(key("p"), peer(2), soon));
        // a full provider list ignores the third provider: the key still counts once
        assertThat(s.addProvider(provider(key("a"), peer(3)))).isFalse();
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 2));
        s.put(record(key("c"), "3"));
        assertRefused(Kind.MAX_RECORDS, "put", () -> s.put(record(key("d"), "4")));
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("e"), new byte[9])));
        assertRefused(Kind.MAX_PROVIDED_KEYS, "addProvider", () -> s.addProvider(provider(key("q"), peer(1))));
        assertThat(s.counts()).isEqualTo(new StoreCounts(3, 2));
        s.remove(key("c"));
        s.remove(key("never stored"));
        s.removeProvider(key("a"), peer(1));
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 2));
        s.removeProvider(key("a"), localPeer);
        assertThat(s.counts()).isEqualTo(new StoreCounts(2, 1));
        assertThat(s.removeExpired(soon)).isEqualTo(2);
        assertThat(s.counts()).isEqualTo(new StoreCounts(1, 0));
    }

    @Test
    void reopenKeepsTheCounts() {
        assumeTrue(persistent(), "the store is not persistent");
        StoreConfig config = config();
        RecordStore s = open(config);
        for (int i = 0; i < 5; i++) {
            s.put(record(key(i), "v" + i));
        }
        s.remove(key(0));
        s.addProvider(provider(key(1), peer(1)));
        s.addProvider(provider(key(1), localPeer));
        s.addProvider(provider(key(2), localPeer));
        assertThat(s.counts()).isEqualTo(new StoreCounts(4, 2));
        s = reopen(s, config);
        assertThat(s.counts()).isEqualTo(new StoreCounts(4, 2));
    }

    @Test
    void defaultLimitsAreTheReferenceOnes() {
        RecordStore s = open();
        DhtRecord largest = DhtRecord.of(key("v"), new byte[65 * 1024]);
        s.put(largest);
        assertThat(s.get(key("v"))).contains(largest);
        assertRefused(Kind.VALUE_TOO_LARGE, "put", () -> s.put(DhtRecord.of(key("w"), new byte[65 * 1024 + 1])));
        for (int i = 0; i < 20; i++) {
            assertThat(s.addProvider(provider(key("p"), peer(i)))).isTrue();
        }
        assertThat(s.addProvider(provider(key("p"), peer(20)))).isFalse();
        assertThat(s.providers(key("p"))).hasSize(20);
    }
}
