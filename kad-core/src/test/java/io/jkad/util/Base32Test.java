package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class Base32Test {

    // RFC 4648 §10, lower case and without padding.
    @ParameterizedTest
    @CsvSource({"'', ''", "f, my", "fo, mzxq", "foo, mzxw6", "foob, mzxw6yq", "fooba, mzxw6ytb", "foobar, mzxw6ytboi"})
    void rfc4648Vectors(String plain, String encoded) {
        byte[] bytes = plain.getBytes(StandardCharsets.US_ASCII);
        assertThat(Base32.encode(bytes)).isEqualTo(encoded);
        assertThat(Base32.decode(encoded)).isEqualTo(bytes);
        String upper = encoded.toUpperCase(Locale.ROOT);
        assertThat(Base32.encode(bytes, 0, bytes.length, true)).isEqualTo(upper);
        assertThat(Base32.decode(upper, 0, upper.length(), true)).isEqualTo(bytes);
        assertThat(Base32.encodedLength(bytes.length)).isEqualTo(encoded.length());
    }

    @ParameterizedTest
    @ValueSource(strings = {"m", "mzx", "mzxw6y"})
    void impossibleLengthsAreRefused(String text) {
        assertThatThrownBy(() -> Base32.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("invalid base32 length " + text.length() + " (no byte string encodes to it)");
    }

    @ParameterizedTest
    @CsvSource({"mz, 'z'", "mzxr, 'r'"})
    void nonZeroTrailingBitsAreRefused(String text, String ignored) {
        assertThatThrownBy(() -> Base32.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("non-zero trailing bits");
    }

    @ParameterizedTest
    @CsvSource({"MY, 'M', 0", "m1, '1', 1", "m=, '=', 1", "mé, 'é', 1", "my======, '=', 2"})
    void charactersOutsideTheLowerCaseAlphabetAreNamed(String text, String bad, int index) {
        assertThatThrownBy(() -> Base32.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid base32 character '" + bad + "' at " + index);
    }

    @ParameterizedTest
    @ValueSource(strings = {"my", "mZ"})
    void upperCaseDecodingRefusesLowerCase(String text) {
        assertThatThrownBy(() -> Base32.decode(text, 0, text.length(), true))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("(expected A-Z, 2-7)");
    }

    @Property
    void bytesRoundTrip(@ForAll @Size(max = 70) byte[] bytes) {
        String lower = Base32.encode(bytes);
        assertThat(Base32.decode(lower)).isEqualTo(bytes);
        String upper = Base32.encode(bytes, 0, bytes.length, true);
        assertThat(upper).isEqualTo(lower.toUpperCase(Locale.ROOT));
        assertThat(Base32.decode(upper, 0, upper.length(), true)).isEqualTo(bytes);
    }
}
