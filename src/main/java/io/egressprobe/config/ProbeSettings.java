package io.egressprobe.config;

import java.time.Duration;
import java.util.Optional;

/**
 * The settings a target inherits from {@code defaults} and may override.
 *
 * @param envoyConnectTimeout empty for {@code auto}: learned at run time
 */
public record ProbeSettings(
        Duration interval,
        Duration probeTimeout,
        Duration window,
        Optional<Duration> envoyConnectTimeout,
        Thresholds thresholds,
        int minSamples,
        Duration forDuration,
        int toleratedSynLosses,
        IpFamily ipFamily) {

    public static final ProbeSettings BUILT_IN = new ProbeSettings(
            Duration.ofSeconds(5), Duration.ofSeconds(15), Duration.ofMinutes(10), Optional.empty(),
            Thresholds.DEFAULT, 50, Duration.ofMinutes(1), 2, IpFamily.AUTO);

    public ProbeSettings(Duration interval, Duration probeTimeout, Duration window, Optional<Duration> envoyConnectTimeout,
                         Thresholds thresholds, int minSamples, Duration forDuration, int toleratedSynLosses) {
        this(interval, probeTimeout, window, envoyConnectTimeout, thresholds, minSamples, forDuration, toleratedSynLosses,
                IpFamily.AUTO);
    }
}
