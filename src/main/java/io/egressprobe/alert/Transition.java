package io.egressprobe.alert;

import io.egressprobe.window.WindowStats;
import java.time.Instant;

/**
 * One change of an alert's level, with the window statistics that caused it.
 *
 * @param since  when the alert entered its previous firing level (for a resolve), or {@code at} itself
 * @param policy the thresholds and hold the move was judged by, so that its text can name them
 */
public record Transition(String target, AlertName alert, Level from, Level to, Instant at, Instant since,
                         WindowStats stats, AlertPolicy policy) {

    public boolean isResolve() {
        return to == Level.OK;
    }

    public boolean isFiring() {
        return from == Level.OK && to != Level.OK;
    }

    /** A firing alert that moved down a level without resolving. */
    public boolean isStepDown() {
        return to != Level.OK && to.compareTo(from) < 0;
    }
}
