package io.jkad.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotEmpty;
import org.junit.jupiter.api.Test;

class RecordKeyTest {

    @Test
    void emptyKeyIsRefused() {
        assertThatThrownBy(() -> RecordKey.of(new byte[0]))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
        assertThatThrownBy(() -> RecordKey.ofUtf8(""))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("empty");
    }

    @Test
    void nullIsRefused() {
        assertThatThrownBy(() -> RecordKey.of(null)).isInstanceOf(NullPointerException.class);
        assertThatThrownBy(() -> RecordKey.ofUtf8(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void bytesAreCopiedInAndOut() {
        byte[] b = {1, 2, 3};
        RecordKey k = RecordKey.of(b);
        b[0] = 9;
        assertThat(k.toBytes()).containsExactly(1, 2, 3);
        k.toBytes()[1] = 9;
        assertThat(k.toBytes()).containsExactly(1, 2, 3);
        assertThat(k.length()).isEqualTo(3);
    }

    @Test
    void utf8KeyHoldsTheUtf8Bytes() {
        assertThat(RecordKey.ofUtf8("/pk/é").toBytes()).isEqualTo("/pk/é".getBytes(StandardCharsets.UTF_8));
        assertThat(RecordKey.ofUtf8("abc")).isEqualTo(RecordKey.of(new byte[] {'a', 'b', 'c'}));
    }

    @Test
    void equalityAndHashOnTheBytes() {
        RecordKey a = RecordKey.of(new byte[] {0, (byte) 0xff});
        RecordKey b = RecordKey.of(new byte[] {0, (byte) 0xff});
        RecordKey c = RecordKey.of(new byte[] {0, (byte) 0xff, 0});
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b).isNotEqualTo(c).isNotEqualTo("x");
    }

    @Test
    void orderIsUnsignedLexicographic() {
        RecordKey low = RecordKey.of(new byte[] {0x01});
        RecordKey lowLonger = RecordKey.of(new byte[] {0x01, 0x00});
        RecordKey high = RecordKey.of(new byte[] {(byte) 0x80});
        RecordKey highest = RecordKey.of(new byte[] {(byte) 0xff});
        List<RecordKey> keys = new ArrayList<>(List.of(highest, lowLonger, high, low));
        keys.sort(null);
        assertThat(keys).containsExactly(low, lowLonger, high, highest);
        assertThat(low.compareTo(RecordKey.of(new byte[] {0x01}))).isZero();
    }

    @Property
    void compareToAgreesWithUnsignedArrayCompare(@ForAll @NotEmpty byte[] a, @ForAll @NotEmpty byte[] b) {
        assertThat(Integer.signum(RecordKey.of(a).compareTo(RecordKey.of(b))))
                .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
        assertThat(RecordKey.of(a).equals(RecordKey.of(b))).isEqualTo(Arrays.equals(a, b));
    }

    @Test
    void toStringIsTextWhenPrintable() {
        assertThat(RecordKey.ofUtf8("/v/hello world").toString()).isEqualTo("/v/hello world");
        assertThat(RecordKey.ofUtf8("clé-€-𝄞").toString()).isEqualTo("clé-€-𝄞");
    }

    @Test
    void toStringIsHexWhenBinaryOrNotPrintable() {
        assertThat(RecordKey.of(new byte[] {0x00, 0x7f, (byte) 0xff}).toString()).isEqualTo("0x007fff");
        // valid UTF-8 but with a control character (newline, then a bell)
        assertThat(RecordKey.ofUtf8("a\nb").toString()).isEqualTo("0x610a62");
        assertThat(RecordKey.ofUtf8("\u0007").toString()).isEqualTo("0x07");
        // a truncated two-byte sequence is malformed UTF-8
        assertThat(RecordKey.of(new byte[] {'a', (byte) 0xc3}).toString()).isEqualTo("0x61c3");
        assertThat(RecordKey.of(new byte[] {1, 2}).toHex()).isEqualTo("0102");
    }
}
