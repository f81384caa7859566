package io.egressprobe.alert;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Thresholds;
import java.time.Duration;

/**
 * How a target's alerts are judged.
 *
 * @param forDuration a condition must hold this long before the alert fires, and its clearing as long
 *                    before it resolves
 */
public record AlertPolicy(Thresholds thresholds, int minSamples, Duration forDuration) {
    /** Clearing needs utilization below this share of the threshold: a target hovering at it cannot flap. */
    public static final double HYSTERESIS = 0.9;

    public static AlertPolicy of(ProbeSettings settings) {
        return new AlertPolicy(settings.thresholds(), settings.minSamples(), settings.forDuration());
    }
}
