package io.egressprobe.alert;

import java.util.Locale;

/** An alert's state; the ordinal is the value of {@code egress_probe_alert_level}. */
public enum Level {
    OK, WARNING, CRITICAL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public Level max(Level other) {
        return compareTo(other) >= 0 ? this : other;
    }
}
