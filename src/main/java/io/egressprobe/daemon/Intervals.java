package io.egressprobe.daemon;

import java.time.Duration;

/**
 * How often the config file is read whatever its folder's watch says, how often the alerts are evaluated, and how
 * long the first probe waits for the sidecar to be ready.
 *
 * <p>The alerts every second: {@code for} is counted from the first evaluation that sees the condition, and an alert
 * fires at the first evaluation after it has held that long, so each evaluation period is paid up to twice. At 10 s
 * that was up to 20 s of the warning's lead over the cuts (issue 34: 1 ms in one demo cycle); at 1 s it is 2 s. An
 * evaluation reads each target's cached window statistics (recomputed at most once a second) and notifies only on a
 * transition.
 */
public record Intervals(Duration configPoll, Duration alertEvaluation, Duration sidecarWait) {
    public static final Duration ALERT_EVALUATION = Duration.ofSeconds(1);
    public static final Intervals DEFAULT =
            new Intervals(Duration.ofSeconds(30), ALERT_EVALUATION, Duration.ofMinutes(2));
}
