package io.egressprobe.measure;

import java.util.Locale;

/** The timed parts of one attempt, in the order they happen; {@code TOTAL} spans them all. */
public enum Phase {
    DNS, CONNECT, TLS, REQUEST, TOTAL;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
