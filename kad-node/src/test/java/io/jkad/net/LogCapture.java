package io.jkad.net;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Records what is logged while it is open: logback's console appender writes to {@code System.err} as it is at
 * each call, so replacing it (and passing everything on to the old one) sees every line. Test
 * code; not for tests that run in parallel.
 */
final class LogCapture implements AutoCloseable {

    private final PrintStream original;
    private final ByteArrayOutputStream captured = new ByteArrayOutputStream();

    private LogCapture() {
        this.original = System.err;
        OutputStream tee = new OutputStream() {
            @Override
            public void write(int b) {
                original.write(b);
                captured.write(b);
            }

            @Override
            public void write(byte[] b, int off, int len) {
                original.write(b, off, len);
                captured.write(b, off, len);
            }

            @Override
            public void flush() {
                original.flush();
            }
        };
        System.setErr(new PrintStream(tee, true, StandardCharsets.UTF_8));
    }

    static LogCapture start() {
        return new LogCapture();
    }

    /** The lines logged so far. */
    List<String> lines() {
        return Arrays.asList(captured.toString(StandardCharsets.UTF_8).split("\n"));
    }

    /**
     * Waits up to {@code timeout} for a line holding every one of {@code fragments} and returns it.
     *
     * @throws AssertionError if none comes, listing what was logged
     */
    String await(Duration timeout, String... fragments) {
        try {
            return Awaitility.await("a log line with " + Arrays.toString(fragments)).atMost(timeout)
                    .pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
                    .until(() -> lines().stream().filter(line -> Arrays.stream(fragments).allMatch(line::contains))
                            .findFirst(), Optional::isPresent)
                    .get();
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("no log line with " + Arrays.toString(fragments) + " within " + timeout
                    + "; logged:\n" + String.join("\n", lines()), e);
        }
    }

    @Override
    public void close() {
        System.setErr(original);
    }
}
