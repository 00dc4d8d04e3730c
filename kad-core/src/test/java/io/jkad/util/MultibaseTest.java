package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class MultibaseTest {

    // The multibase spec's test vectors for "yes mani !".
    @ParameterizedTest
    @CsvSource({
        "f796573206d616e692021",
        "F796573206D616E692021",
        "bpfsxgidnmfxgsibb",
        "BPFSXGIDNMFXGSIBB",
        "z7paNL19xttacUY",
        "meWVzIG1hbmkgIQ",
        "MeWVzIG1hbmkgIQ==",
        "ueWVzIG1hbmkgIQ",
        "UeWVzIG1hbmkgIQ==",
        "k2lcpzo5yikidynfl",
        "K2LCPZO5YIKIDYNFL",
    })
    void specVectorsDecode(String text) {
        assertThat(new String(Multibase.decode(text), StandardCharsets.US_ASCII)).isEqualTo("yes mani !");
    }

    @Test
    void encoders() {
        byte[] bytes = "yes mani !".getBytes(StandardCharsets.US_ASCII);
        assertThat(Multibase.encodeBase32(bytes)).isEqualTo("bpfsxgidnmfxgsibb");
        assertThat(Multibase.encodeBase64Url(bytes)).isEqualTo("ueWVzIG1hbmkgIQ");
    }

    @ParameterizedTest
    @CsvSource({
        "'', empty multibase text",
        "k2lcpzo5yikidynfL, invalid multibase 'k' text: invalid base36 character 'L' at 15",
        "9573277761329450583662625, 'unsupported multibase prefix ''9'' (supported: b, B, z, f, F, m, M, u, U, k, K)'",
        "f79657, invalid multibase 'f' text: odd number of base16 digits: 5",
        "f7965G3, invalid multibase 'f' text: invalid base16 character 'G' at 4",
        "F796573206d, invalid multibase 'F' text: invalid base16upper character 'd' at 9",
        "bPFSX, 'invalid multibase ''b'' text: invalid base32 character ''P'' at 0 (expected a-z, 2-7)'",
        "z0, invalid multibase 'z' text: invalid base58 character '0' at 0",
        "meWVzIG1hbmkgIQ==, invalid multibase 'm' text: unpadded base64 must not contain '='",
        "MeWVzIG1hbmkgIQ, invalid multibase 'M' text: padded base64 length 14 is not a multiple of 4",
    })
    void badTextIsRefusedWithTheReason(String text, String message) {
        assertThatThrownBy(() -> Multibase.decode(text))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void badBase64CharactersAreRefused() {
        assertThatThrownBy(() -> Multibase.decode("u+/+/"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("invalid multibase 'u' text");
    }
}
