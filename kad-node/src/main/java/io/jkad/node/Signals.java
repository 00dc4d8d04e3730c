package io.jkad.node;

import java.util.concurrent.CompletableFuture;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT as a request to stop: the JVM's default (run the shutdown hooks, exit 143 or
 * 130) would make every stop look like a failure to a supervisor. The first signal completes
 * {@code stop} with its name; a second SIGINT (Ctrl-C pressed again) halts at once with 130.
 */
final class Signals {

    private Signals() {}

    static void onStop(CompletableFuture<String> stop) {
        handle("TERM", stop, false);
        handle("INT", stop, true);
    }

    private static void handle(String name, CompletableFuture<String> stop, boolean secondHalts) {
        try {
            Signal.handle(new Signal(name), s -> {
                if (!stop.complete("SIG" + name) && secondHalts) {
                    System.err.println("kad run: stopped at once (second " + name + ")");
                    Runtime.getRuntime().halt(130);
                }
            });
        } catch (IllegalArgumentException e) {
            // the signal does not exist here or the JVM keeps it (-Xrs): its default stays
        }
    }
}
