package io.egressprobe.http;

import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStats;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What the API shows of one target, read-only: the daemon's state as the endpoints see it. */
public interface TargetView {
    Target target();

    ProbePath path();

    EffectiveTimeout timeout();

    WindowStats stats();

    List<SampleWindow.Sample> samples();

    int windowCapacity();

    Optional<Attempt> lastAttempt();

    Optional<Attempt> lastFailure();

    /** Failures since the target started, by reason. */
    Map<String, Long> failureCounts();

    Optional<Instant> certificateExpiry();

    /** The highest level of the target's alerts: 0 ok, 1 warning, 2 critical. */
    int alertLevel();

    /** Each alert's level by its name. */
    Map<String, String> alertLevels();

    /** The admin API's last answer, or empty where it is not read (the direct path). */
    Optional<String> envoyAdminStatus();

    Optional<String> envoyStatsStatus();

    Optional<ClusterStats> envoyStats();
}
