package io.jkad.node;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** A {@code kad} command run in this JVM, with what it printed. Test code. */
record KadRun(int exitCode, String out, String err) {

    /** Runs {@code kad args…} in this JVM, capturing stdout and stderr (and echoing stdout). */
    static synchronized KadRun kad(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = KadCommand.run(args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        KadRun run = new KadRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.print("$ kad " + String.join(" ", args) + "\n" + run.out + run.err);
        return run;
    }

    /** The last line of stdout, parsed as a JSON object. */
    Map<String, Object> json() {
        String[] lines = out.strip().split("\\R");
        String last = lines[lines.length - 1];
        assertThat(last).as("last line of %s", out).startsWith("{").endsWith("}");
        return Json.parseObject(last);
    }

    /** A list of strings in the last JSON line. */
    java.util.List<String> strings(String field) {
        Object v = json().get(field);
        assertThat(v).as("%s in %s", field, out).isInstanceOf(java.util.List.class);
        return ((java.util.List<?>) v).stream().map(String::valueOf).toList();
    }

    /** A TCP port that was free a moment ago. */
    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
