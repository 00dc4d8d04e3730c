package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

    @Test
    void roundTrip() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote \" backslash \\ newline \n tab \t control \u0001 é");
        m.put("n", 42L);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("z", null);
        m.put("l", List.of(1L, "x", List.of(), Map.of()));
        String text = Json.write(m);
        assertThat(text).doesNotContain("\n");
        assertThat(Json.parseObject(text)).isEqualTo(m);
        assertThat(Json.parse(" [ 1 , -2.5e3 , \"\\u0041\" ] ")).isEqualTo(Arrays.asList(1L, -2500.0, "A"));
    }

    @Test
    void badJsonIsAnIllegalArgument() {
        for (String bad : List.of("", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "\"open", "tru", "{} x", "{\"a\":\"\\q\"}")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageStartingWith("bad JSON: ");
        }
        assertThatThrownBy(() -> Json.parseObject("[1]")).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("expected a JSON object: [1]");
    }
}
