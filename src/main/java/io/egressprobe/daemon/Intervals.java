package io.egressprobe.daemon;

import java.time.Duration;

/**
 * How often the config file is read whatever its folder's watch says, how often the alerts are evaluated, and how
 * long the first probe waits for the sidecar to be ready.
 */
public record Intervals(Duration configPoll, Duration alertEvaluation, Duration sidecarWait) {
    public static final Intervals DEFAULT =
            new Intervals(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(2));
}
