package io.jkad.node;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.encoder.Encoder;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * The logging a command asks for: {@code --log-level} ({@code info}, or a default and levels per
 * logger, {@code info,io.jkad.net=debug,io.jkad.kademlia=trace}) and {@code --log-format}
 * ({@code text} lines, or {@code json}: one JSON object per event, logback's {@link JsonEncoder}),
 * always on stderr. Applied once per JVM: commands run in tests share the JVM's logging.
 */
final class LogSetup {

    private static boolean configured;

    private LogSetup() {}

    /** A parsed {@code --log-level}: the root level and the levels per logger name. */
    record Levels(String root, Map<String, String> loggers) {}

    /**
     * Parses a {@code --log-level} value.
     *
     * @throws IllegalArgumentException naming the bad part
     */
    static Levels parse(String text) {
        String root = null;
        Map<String, String> loggers = new LinkedHashMap<>();
        for (String part : text.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            String level = (eq < 0 ? p : p.substring(eq + 1)).strip().toLowerCase(Locale.ROOT);
            if (!java.util.List.of("trace", "debug", "info", "warn", "error", "off").contains(level)) {
                throw new IllegalArgumentException("--log-level must be trace, debug, info, warn, error or off, "
                        + "optionally with LOGGER=LEVEL parts (info,io.jkad.net=debug): " + text);
            }
            if (eq < 0) {
                root = level;
            } else {
                String name = p.substring(0, eq).strip();
                if (name.isEmpty()) {
                    throw new IllegalArgumentException("--log-level: a logger name is missing before '=': " + text);
                }
                loggers.put(name, level);
            }
        }
        return new Levels(root == null ? "info" : root, loggers);
    }

    /**
     * Checks a {@code --log-format} value.
     *
     * @throws IllegalArgumentException unless text or json
     */
    static String format(String text) {
        String f = text.strip().toLowerCase(Locale.ROOT);
        if (!f.equals("text") && !f.equals("json")) {
            throw new IllegalArgumentException("--log-format must be text or json: " + text);
        }
        return f;
    }

    /** Applies the levels and the format, unless a command of this JVM did already. */
    static synchronized void apply(Levels levels, String format) {
        if (configured || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return;
        }
        configured = true;
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.toLevel(levels.root()));
        levels.loggers().forEach((name, level) -> ctx.getLogger(name).setLevel(Level.toLevel(level)));
        if (format.equals("json")) {
            ConsoleAppender<ILoggingEvent> appender = new ConsoleAppender<>();
            appender.setContext(ctx);
            appender.setName("STDERR");
            appender.setTarget("System.err");
            JsonEncoder encoder = new JsonEncoder();
            encoder.setContext(ctx);
            encoder.setWithSequenceNumber(false);
            encoder.setWithNanoseconds(false);
            encoder.setWithContext(false);
            encoder.start();
            appender.setEncoder((Encoder<ILoggingEvent>) encoder);
            appender.start();
            root.detachAndStopAllAppenders();
            root.addAppender(appender);
        }
    }

    /** For a second look in tests: whether {@link #apply} has run in this JVM. */
    static synchronized boolean configured() {
        return configured;
    }
}
