package io.egressprobe.target;

import io.egressprobe.alert.AlertLevels;
import io.egressprobe.config.Target;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * One moment of a {@link TargetCore}, as every reader sees it: the target's settings and the timeout it is judged
 * against, its alert levels, its cuts by the kind of hop that cut, its failures by reason and its attempts since it
 * started, and its window's statistics against that timeout. Immutable: every number in it is of the same moment.
 *
 * <p>The statistics are computed when first asked for, once per snapshot (a sort of the whole window: on every attempt
 * it would cost more than every reader together), from the attempts the window held at that moment (a
 * {@link SampleWindow.Mark}), not from the window as it is when asked. So is what the latency alert is judged on
 * ({@link #latency}: Envoy's own connect histogram or this window), and the statistics the alerts are judged on
 * ({@link #judged}): the evaluator, the metrics and the API read the same judged utilization of the same moment.
 */
public final class TargetSnapshot {
    private final Target target;
    private final EffectiveTimeout timeout;
    private final AlertLevels levels;
    private final Map<HopKind, Long> cuts;
    private final Map<FailureReason, Long> failures;
    private final long attempts;
    private final long suspectedLostSyns;
    private final int windowResets;
    private final SampleWindow window;
    private final SampleWindow.Mark mark;
    private final ProbePath path;
    private final Optional<Route> route;
    private final Optional<EnvoyConnectWindow.Stats> envoyConnects;
    private final int envoyMinSamples;
    /** Volatile: a record publishing the next snapshot reads it without waiting for a reader computing it. */
    private volatile WindowStats stats;
    private volatile ConnectLatency latency;

    TargetSnapshot(Target target, EffectiveTimeout timeout, AlertLevels levels, Map<HopKind, Long> cuts,
                   Map<FailureReason, Long> failures, long attempts, long suspectedLostSyns, int windowResets,
                   SampleWindow window, SampleWindow.Mark mark, ProbePath path, WindowStats stats,
                   Optional<Route> route, Optional<EnvoyConnectWindow.Stats> envoyConnects, int envoyMinSamples) {
        this.target = target;
        this.timeout = timeout;
        this.levels = levels;
        this.cuts = Map.copyOf(cuts);
        this.failures = Map.copyOf(failures);
        this.attempts = attempts;
        this.suspectedLostSyns = suspectedLostSyns;
        this.windowResets = windowResets;
        this.window = window;
        this.mark = mark;
        this.path = path;
        this.stats = stats;
        this.route = route;
        this.envoyConnects = envoyConnects;
        this.envoyMinSamples = envoyMinSamples;
    }

    public Target target() {
        return target;
    }

    /** What the target is judged against now, and what {@link #stats} are computed against. */
    public EffectiveTimeout timeout() {
        return timeout;
    }

    public AlertLevels levels() {
        return levels;
    }

    /** The cuts since the target started, by the kind of hop that cut. */
    public Map<HopKind, Long> cuts() {
        return cuts;
    }

    public Map<FailureReason, Long> failures() {
        return failures;
    }

    /** Attempts since the target started. */
    public long attempts() {
        return attempts;
    }

    /** Failed attempts since the target started, for any reason. */
    public long failed() {
        return failures.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Completed connects judged lost SYNs since the target started: the same judgements the window counts. */
    public long suspectedLostSyns() {
        return suspectedLostSyns;
    }

    public int windowCapacity() {
        return window.capacity();
    }

    /** How often an edit emptied the window since the target started. */
    public int windowResets() {
        return windowResets;
    }

    /**
     * The window's statistics against {@link #timeout}, of this snapshot's moment. Where attempts recorded since have
     * overwritten some of that moment's in the ring (a reader that held an old snapshot across a full ring), they are
     * the window's now.
     */
    public WindowStats stats() {
        WindowStats known = stats;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (stats == null) {
                SampleWindow.Snapshot attempts = window.snapshotAt(mark).orElseGet(window::snapshot);
                stats = WindowStatistics.compute(attempts, timeout, path, target.settings().toleratedSynLosses());
            }
            return stats;
        }
    }

    /**
     * The sidecar's own connects for the probe's sidecar cluster over the window, as last read (its
     * {@code upstream_cx_connect_ms} buckets; empty where not read, or read for a cluster the route no longer takes).
     */
    public Optional<EnvoyConnectWindow.Stats> envoyConnects() {
        return envoyConnects;
    }

    /**
     * What the latency alert is judged on at this moment, and its utilization: Envoy's windowed p99 where the sidecar
     * dials the host and its window holds enough connects, else this window's ({@link ConnectLatency#choose}).
     */
    public ConnectLatency latency() {
        ConnectLatency known = latency;
        if (known != null) {
            return known;
        }
        WindowStats probe = stats();
        ConnectLatency chosen = route.map(r -> ConnectLatency.choose(r, path, envoyConnects, envoyMinSamples, timeout, probe))
                .orElseGet(() -> ConnectLatency.ofWindow(probe, "the probe's route is not known yet"));
        latency = chosen;
        return chosen;
    }

    /**
     * The statistics the alerts are judged on: {@link #stats} with the latency alert's utilization of {@link #latency}
     * (the same where it is this window's). Every quantile, cut and recommendation stays the window's.
     */
    public WindowStats judged() {
        ConnectLatency l = latency();
        WindowStats s = stats();
        return l.basis() == ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS ? s.judgedOn(l) : s;
    }

    /** The statistics if they were computed already: a later snapshot of the same window and timeout reuses them. */
    WindowStats statsIfComputed() {
        return stats;
    }

    SampleWindow window() {
        return window;
    }

    SampleWindow.Mark mark() {
        return mark;
    }

    public long failures(FailureReason reason) {
        return failures.getOrDefault(reason, 0L);
    }

    /** By reason label, the reasons that occurred. */
    public Map<String, Long> failureCounts() {
        Map<String, Long> byLabel = new TreeMap<>();
        failures.forEach((reason, n) -> byLabel.put(reason.label(), n));
        return byLabel;
    }
}
