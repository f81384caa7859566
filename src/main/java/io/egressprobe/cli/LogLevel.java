package io.egressprobe.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;

/**
 * The level of egress-probe's own loggers ({@code io.egressprobe}; libraries stay at WARN): set from the command before
 * Logback starts, changed by {@code --log-level} / {@code EGRESS_PROBE_LOG_LEVEL}. Logback reads an unknown level as
 * DEBUG without a word, so the name is checked here.
 */
final class LogLevel {
    /** The system property the Logback configurations read the starting level from. */
    static final String PROPERTY = "egress-probe.log.level";
    static final List<String> NAMES = List.of("error", "warn", "info", "debug", "trace");

    private LogLevel() {}

    /** @throws IllegalArgumentException naming the levels there are */
    static void apply(String name) {
        String lower = name.trim().toLowerCase(Locale.ROOT);
        if (!NAMES.contains(lower)) {
            throw new IllegalArgumentException("unknown log level '" + name + "': use one of " + String.join(", ", NAMES));
        }
        ((Logger) LoggerFactory.getLogger("io.egressprobe")).setLevel(Level.toLevel(lower));
    }
}
