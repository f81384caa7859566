package io.egressprobe.http;

import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TimeoutSources;
import java.time.Instant;
import java.util.Optional;

/**
 * What is known of one target besides its window, at one moment: immutable, and published whole on every change, so
 * that a reader never sees half of one.
 *
 * @param sources what each timeout source last said; {@code timeout} is the one that applies
 * @param envoyAdminStatus the admin API's last answer, or empty where it is not read (the direct path)
 */
public record TargetFacts(Target target, ProbePath path, TimeoutSources sources, EffectiveTimeout timeout,
                          Optional<Attempt> lastAttempt, Optional<Attempt> lastFailure, Optional<Instant> certificateExpiry,
                          Optional<String> envoyAdminStatus, Optional<String> envoyStatsStatus,
                          Optional<ClusterStats> envoyStats) {

    public static TargetFacts initial(Target target, ProbePath path) {
        TimeoutSources sources = TimeoutSources.configured(target.settings().envoyConnectTimeout());
        return new TargetFacts(target, path, sources, sources.resolve(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Same measurement, new settings: the configured timeout may have changed. */
    public TargetFacts withTarget(Target next) {
        TimeoutSources s = sources.withConfigured(next.settings().envoyConnectTimeout());
        return new TargetFacts(next, path, s, s.resolve(), lastAttempt, lastFailure, certificateExpiry,
                envoyAdminStatus, envoyStatsStatus, envoyStats);
    }

    public TargetFacts withSources(TimeoutSources next) {
        return new TargetFacts(target, path, next, next.resolve(), lastAttempt, lastFailure, certificateExpiry,
                envoyAdminStatus, envoyStatsStatus, envoyStats);
    }

    /** The latest attempt; a success renews the certificate's expiry, a failure is the latest failure. */
    public TargetFacts withAttempt(Attempt attempt) {
        boolean failed = attempt.result() instanceof ProbeResult.Failure;
        Optional<Instant> expiry = attempt.result() instanceof ProbeResult.Success s ? s.tls().earliestExpiry()
                : certificateExpiry;
        return new TargetFacts(target, path, sources, timeout, Optional.of(attempt),
                failed ? Optional.of(attempt) : lastFailure, expiry, envoyAdminStatus, envoyStatsStatus,
                envoyStats);
    }

    public TargetFacts withEnvoyAdminStatus(String status) {
        return new TargetFacts(target, path, sources, timeout, lastAttempt, lastFailure, certificateExpiry,
                Optional.of(status), envoyStatsStatus, envoyStats);
    }

    public TargetFacts withEnvoyStats(Optional<ClusterStats> stats, String status) {
        return new TargetFacts(target, path, sources, timeout, lastAttempt, lastFailure, certificateExpiry,
                envoyAdminStatus, Optional.of(status), stats);
    }

    /** The latest failure in words, for alerts: "reason during phase: detail". */
    public Optional<String> lastError() {
        return lastFailure.map(Attempt::result).filter(ProbeResult.Failure.class::isInstance)
                .map(ProbeResult.Failure.class::cast)
                .map(f -> f.reason().label() + " during " + f.phase().label() + ": " + f.detail());
    }
}
