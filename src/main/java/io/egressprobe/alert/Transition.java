package io.egressprobe.alert;

import io.egressprobe.window.WindowStats;
import java.time.Instant;

/**
 * One change of an alert's level, with the window statistics that caused it.
 *
 * @param since when the alert entered its previous firing level (for a resolve), or {@code at} itself
 */
public record Transition(String target, AlertName alert, Level from, Level to, Instant at, Instant since,
                         WindowStats stats) {

    public boolean isResolve() {
        return to == Level.OK;
    }

    public boolean isFiring() {
        return from == Level.OK && to != Level.OK;
    }
}
