package io.jkad.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Keyspace}: ids, prefixes, region starts and the region after. */
class KeyspaceTest {

    private static byte[] id(String hexStart) {
        return Arrays.copyOf(HexFormat.of().parseHex(hexStart), Keyspace.ID_BYTES);
    }

    @Test
    void theIdIsTheSha256OfTheKey() {
        assertThat(HexFormat.of().formatHex(Keyspace.id(RecordKey.ofUtf8("abc"))))
                .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }

    @Test
    void regionsStartAtTheirPrefixAndTheNextFollowsWithCarries() {
        assertThat(Keyspace.regionStart(id("ffff"), 3)).isEqualTo(id("e0"));
        assertThat(Keyspace.regionStart(id("abcd"), 12)).isEqualTo(id("abc0"));
        assertThat(Keyspace.nextRegionStart(id("40"), 2)).contains(id("80"));
        assertThat(Keyspace.nextRegionStart(id("00ff"), 9)).contains(id("0100"));
        assertThat(Keyspace.nextRegionStart(id("0fff"), 16)).contains(id("1000"));
        assertThat(Keyspace.nextRegionStart(id("ff"), 8)).isEmpty();
        assertThat(Keyspace.nextRegionStart(id("e0"), 3)).isEmpty();
        assertThat(Keyspace.nextRegionStart(id("00"), 0)).isEmpty();
        byte[] allOnes = new byte[32];
        Arrays.fill(allOnes, (byte) 0xFF);
        assertThat(Keyspace.nextRegionStart(allOnes, 256)).isEmpty();
        assertThatThrownBy(() -> Keyspace.regionStart(allOnes, 257)).isInstanceOf(IllegalArgumentException.class);
    }

    /** Every id lies in exactly the region its own prefix names, between that region's start and the next's. */
    @Test
    void anIdIsInItsRegionAndBeforeTheNext() {
        Random random = new Random(12);
        for (int i = 0; i < 2000; i++) {
            byte[] id = new byte[32];
            random.nextBytes(id);
            int bits = random.nextInt(257);
            byte[] start = Keyspace.regionStart(id, bits);
            assertThat(Keyspace.hasPrefix(id, start, bits)).isTrue();
            assertThat(Arrays.compareUnsigned(start, id)).isLessThanOrEqualTo(0);
            Keyspace.nextRegionStart(id, bits).ifPresent(next -> {
                assertThat(Arrays.compareUnsigned(id, next)).isNegative();
                assertThat(Keyspace.hasPrefix(next, id, bits)).isFalse();
            });
        }
    }
}
