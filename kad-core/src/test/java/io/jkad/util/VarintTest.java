package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.LongRange;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class VarintTest {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @CsvSource({
        "0, 00",
        "1, 01",
        "127, 7f",
        "128, 8001",
        "255, ff01",
        "300, ac02",
        "421, a503",
        "16384, 808001",
        "9223372036854775807, ffffffffffffffff7f",
    })
    void knownEncodings(long value, String hex) {
        assertThat(HEX.formatHex(Varint.encode(value))).isEqualTo(hex);
        assertThat(Varint.size(value)).isEqualTo(hex.length() / 2);
        byte[] bytes = HEX.parseHex(hex);
        assertThat(Varint.read(ByteBuffer.wrap(bytes))).isEqualTo(value);
        assertThat(Varint.read(bytes, 0, bytes.length)).isEqualTo(value);
        byte[] out = new byte[12];
        assertThat(Varint.write(out, 2, value)).isEqualTo(2 + bytes.length);
    }

    @ParameterizedTest
    @CsvSource({
        "'', truncated varint after 0 bytes",
        "80, truncated varint after 1 bytes",
        "ffff, truncated varint after 2 bytes",
        "8000, varint is not minimally encoded",
        "ff8000, varint is not minimally encoded",
        "ffffffffffffffffff01, varint longer than 9 bytes",
    })
    void malformedInputIsRefused(String hex, String message) {
        byte[] bytes = HEX.parseHex(hex);
        assertThatThrownBy(() -> Varint.read(ByteBuffer.wrap(bytes)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
        assertThatThrownBy(() -> Varint.read(bytes, 0, bytes.length))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @ParameterizedTest
    @ValueSource(longs = {-1, Long.MIN_VALUE})
    void negativeValuesAreRefused(long value) {
        assertThatThrownBy(() -> Varint.encode(value)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(">= 0");
        assertThatThrownBy(() -> Varint.write(new byte[10], 0, value)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 2})
    void readStopsAtTheGivenEnd(int end) {
        byte[] bytes = HEX.parseHex("808001");
        assertThatThrownBy(() -> Varint.read(bytes, 0, end))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("truncated varint");
    }

    @Property
    void everyNonNegativeValueRoundTrips(@ForAll @LongRange(min = 0, max = Long.MAX_VALUE) long value) {
        byte[] encoded = Varint.encode(value);
        assertThat(encoded).hasSize(Varint.size(value));
        assertThat(Varint.read(encoded, 0, encoded.length)).isEqualTo(value);
        ByteBuffer buffer = ByteBuffer.wrap(encoded);
        assertThat(Varint.read(buffer)).isEqualTo(value);
        assertThat(buffer.hasRemaining()).isFalse();
    }
}
