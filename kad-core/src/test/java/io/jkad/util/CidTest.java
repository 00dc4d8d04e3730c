package io.jkad.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@link Cid}: what it refuses, and the forms it reads. (What go and js make: CidInteropIT in kad-node.) */
class CidTest {

    // sha2-256 of "hello", as go-cid and js multiformats print it
    private static final String MH = "12202cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824";

    @Test
    void readsV0V1AndBareMultihashesToTheSameMultihash() {
        for (String text : new String[] {"QmRN6wdp1S2A5EtjW9A3M1vKSBuQQGcgvuhoMUoEz4iiT5",
                "bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq", "f0155" + MH, "F0155" + MH.toUpperCase(),
                "f" + MH}) {
            assertThat(HexFormat.of().formatHex(Cid.parse(text).multihash())).as(text).isEqualTo(MH);
        }
        assertThat(Cid.parse("f" + MH)).isEqualTo(Cid.rawV1(HexFormat.of().parseHex(MH)));
        assertThat(Cid.rawV1(HexFormat.of().parseHex(MH)).toString())
                .isEqualTo("bafkreibm6jg3ux5qumhcn2b3flc3tyu6dmlb4xa7u5bf44yegnrjhc4yeq");
    }

    @Test
    void base36KeepsLeadingZeroBytes() {
        assertThat(Multibase.decode("k00")).containsExactly(0, 0);
        assertThat(Multibase.decode("k0a")).containsExactly(0, 10);
        assertThat(Multibase.decode("KZZ")).containsExactly(0x05, 0x0f); // 35*36+35 = 1295
        assertThatThrownBy(() -> Multibase.decode("Kzz")).hasMessageContaining("invalid base36upper character");
    }

    @Test
    void refusesWhatIsNotOne() {
        assertThatThrownBy(() -> Cid.parse("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Cid.parse("hello world")).isInstanceOf(IllegalArgumentException.class);
        // a CIDv1 whose multihash says 32 digest bytes and carries 31
        assertThatThrownBy(() -> Cid.parse("f0155" + MH.substring(0, MH.length() - 2)))
                .hasMessageContaining("says 32 digest bytes and has 31");
        // version 2
        assertThatThrownBy(() -> Cid.parse("f0255" + MH)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Cid.parse("!abc")).hasMessageContaining("unsupported multibase prefix '!'");
        assertThatThrownBy(() -> new Cid(0, Cid.RAW, HexFormat.of().parseHex(MH)))
                .hasMessageContaining("a CIDv0 is a dag-pb sha2-256 multihash");
    }
}
