package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The handler's decisions, with halt and exit recorded instead of carried out. */
class FatalErrorHandlerTest {

    private final ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
    private final List<Integer> halted = new CopyOnWriteArrayList<>();
    private final List<Integer> exited = new CopyOnWriteArrayList<>();
    private final FatalErrorHandler handler = new FatalErrorHandler(
            new PrintStream(errBytes, true, StandardCharsets.UTF_8), halted::add, exited::add);

    @Test
    void anErrorHaltsAtOnceWithOneLine() {
        handler.uncaughtException(new Thread("kad-logic-x"), new OutOfMemoryError("Java heap space"));
        assertThat(halted).containsExactly(FatalErrorHandler.EXIT_FATAL_ERROR);
        assertThat(exited).isEmpty();
        assertThat(errBytes.toString(StandardCharsets.UTF_8)).isEqualTo(
                "kad: fatal: a thread died of an Error; halting (exit code 71): kad-logic-x: "
                        + "java.lang.OutOfMemoryError: Java heap space" + System.lineSeparator());
    }

    @Test
    void anExceptionExitsOnceFromAThreadOfItsOwn() {
        handler.uncaughtException(new Thread("HTTP-Dispatcher"), new IllegalStateException("boom"));
        handler.uncaughtException(new Thread("kad-api"), new IllegalStateException("again"));
        await().atMost(Duration.ofSeconds(10)).until(() -> !exited.isEmpty());
        assertThat(exited).containsExactly(FatalErrorHandler.EXIT_THREAD_DIED);
        assertThat(halted).isEmpty();
    }
}
