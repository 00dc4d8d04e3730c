package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class Base58Test {
    private static final HexFormat HEX = HexFormat.of();

    @ParameterizedTest
    @CsvSource({
        "'', ''",
        "00, 1",
        "0000, 11",
        "61, 2g",
        "626262, a3gV",
        "636363, aPEr",
        "000000287fb4cd, 111233QC4",
        "572e4794, 3EFU7m",
        "ecac89cad93923c02321, EJDM8drfXA6uyA",
        "10c8511e, Rt5zm",
    })
    void knownEncodings(String hex, String text) {
        assertThat(Base58.encode(HEX.parseHex(hex))).isEqualTo(text);
        assertThat(HEX.formatHex(Base58.decode(text))).isEqualTo(hex);
    }

    @Test
    void helloWorld() {
        assertThat(Base58.encode("Hello World!".getBytes(StandardCharsets.US_ASCII))).isEqualTo("2NEpo7TZRRrLZSi2U");
    }

    @ParameterizedTest
    @CsvSource({
        "0abc, '0', 0",
        "abO, 'O', 2",
        "Iab, 'I', 0",
        "abl, 'l', 2",
        "ab+, '+', 2",
        "a é, ' ', 1",
        "aé, 'é', 1",
    })
    void charactersOutsideTheAlphabetAreNamed(String text, String bad, int index) {
        assertThatThrownBy(() -> Base58.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid base58 character '" + bad + "' at " + index);
    }

    @Property
    void bytesRoundTrip(@ForAll @Size(max = 80) byte[] bytes) {
        assertThat(Base58.decode(Base58.encode(bytes))).isEqualTo(bytes);
    }
}
