package io.egressprobe.cli;

import java.time.Duration;
import java.util.Locale;

/** How the text output writes numbers: milliseconds below 10 s, seconds above, never a bare number. */
final class Text {
    private Text() {}

    static String duration(Duration d) {
        double ms = d.toNanos() / 1e6;
        if (ms < 10) {
            return String.format(Locale.ROOT, "%.2f ms", ms);
        }
        if (ms < 10_000) {
            return String.format(Locale.ROOT, "%.0f ms", ms);
        }
        return String.format(Locale.ROOT, "%.1f s", ms / 1000);
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, ratio < 0.1 ? "%.1f%%" : "%.0f%%", ratio * 100);
    }
}
