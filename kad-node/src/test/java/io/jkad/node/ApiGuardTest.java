package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class ApiGuardTest {

    @Test
    void loopbackAuthorities() {
        for (String ok : List.of("127.0.0.1", "127.0.0.1:5380", "127.1.2.3:80", "localhost", "LOCALHOST:1", "[::1]",
                "[::1]:5380")) {
            assertThat(ApiGuard.isLoopbackAuthority(ok)).as(ok).isTrue();
        }
        for (String bad : List.of("evil.example", "127.0.0.1.evil.example", "localhost.evil.example:5380",
                "128.0.0.1", "127.0.0.256", "[::2]", "[::1]x", "127.0.0.1:abc", "", "0.0.0.0")) {
            assertThat(ApiGuard.isLoopbackAuthority(bad)).as(bad).isFalse();
        }
    }

    @Test
    void loopbackOrigins() {
        assertThat(ApiGuard.isLoopbackOrigin("http://127.0.0.1:5380")).isTrue();
        assertThat(ApiGuard.isLoopbackOrigin("https://localhost")).isTrue();
        for (String bad : List.of("null", "http://evil.example", "file://", "http://127.0.0.1.evil.example",
                "ftp://127.0.0.1", "http://127.0.0.1/path")) {
            assertThat(ApiGuard.isLoopbackOrigin(bad)).as(bad).isFalse();
        }
    }
}
