package io.jkad.node;

import java.io.PrintStream;

/** A one-line progress bar on a terminal (carriage return), or sparse lines when not a terminal. */
final class Progress {
    private static final int WIDTH = 30;
    private final PrintStream out;
    private final String label;
    private final int total;
    private final boolean terminal = System.console() != null;
    private int lastPercent = -1;

    Progress(PrintStream out, String label, int total) {
        this.out = out;
        this.label = label;
        this.total = Math.max(total, 1);
    }

    void update(int done) {
        int percent = (int) (100L * done / total);
        if (percent == lastPercent) {
            return;
        }
        lastPercent = percent;
        if (terminal) {
            int filled = WIDTH * percent / 100;
            out.print("\r" + String.format("%-10s", label) + " [" + "#".repeat(filled) + " ".repeat(WIDTH - filled) + "] "
                    + percent + "% (" + done + "/" + total + ")");
        } else if (percent % 25 == 0) {
            out.println(label + " " + percent + "% (" + done + "/" + total + ")");
        }
        out.flush();
    }

    void done() {
        if (terminal) {
            out.println();
        }
    }
}
