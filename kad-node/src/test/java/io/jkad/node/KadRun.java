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

    /**
     * An environment without {@code JKAD_…} variables whose config directory does not exist: the
     * commands see only their arguments, whatever the machine's environment and home hold.
     */
    static final Map<String, String> CLEAN_ENV = Map.of("XDG_CONFIG_HOME", "/nonexistent/jkad-test-config");

    /** Runs {@code kad args…} in this JVM, capturing stdout and stderr (and echoing stdout). */
    static KadRun kad(String... args) {
        return kadWithEnv(CLEAN_ENV, args);
    }

    /** Runs {@code kad args…} in this JVM with this environment. */
    static synchronized KadRun kadWithEnv(Map<String, String> env, String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            code = KadCommand.run(env, args);
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
        KadRun run = new KadRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        oldOut.print("$ kad " + String.join(" ", args) + "\n" + run.out + run.err);
        return run;
    }

    /** Stdout, which must be exactly one JSON object (what {@code --json} promises). */
    Map<String, Object> json() {
        String doc = out.strip();
        assertThat(doc).as("stdout").startsWith("{").endsWith("}").doesNotContain("\n");
        return Json.parseObject(doc);
    }

    /** The UTF-8 text of {@code value_base64} in the JSON document (of {@code get --json}). */
    String value() {
        return new String(java.util.Base64.getDecoder().decode((String) json().get("value_base64")), StandardCharsets.UTF_8);
    }

    /** A list of strings in the JSON document. */
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
