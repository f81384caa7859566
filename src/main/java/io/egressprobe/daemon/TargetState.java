package io.egressprobe.daemon;

import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.http.TargetView;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.SynRetransmits;
import io.egressprobe.measure.TimeoutSources;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * What the daemon knows about one target: its window, its effective timeout and its last outcome.
 * Written by the target's loop, read by scrapes and the API from other threads.
 */
public final class TargetState implements TargetMeters.Source, TargetView {
    /** Statistics are recomputed at most this often for reads; a record invalidates them at once. */
    private static final long STATS_TTL_MILLIS = 1000;

    private final Clock clock;
    private final SampleWindow window;
    private final ProbePath path;
    private final FailureLog failures = new FailureLog();
    private final EnvoyCrossCheck envoyCheck = new EnvoyCrossCheck();
    private volatile Target target;
    private volatile TimeoutSources sources;
    private volatile EffectiveTimeout timeout;
    private volatile Attempt lastAttempt;
    private volatile Attempt lastFailure;
    private volatile Optional<Instant> certificateExpiry = Optional.empty();
    private volatile Map<AlertName, Level> alertLevels = Map.of();
    private volatile String envoyAdminStatus;
    private volatile String envoyStatsStatus;
    private volatile Optional<ClusterStats> envoyStats = Optional.empty();
    private WindowStats cachedStats;
    private long cachedAtMillis;
    private Optional<Duration> median;
    private long medianAtMillis;

    public TargetState(Clock clock, Target target, ProbePath path) {
        this.clock = clock;
        this.target = target;
        this.path = path;
        this.sources = TimeoutSources.configured(target.settings().envoyConnectTimeout());
        this.timeout = sources.resolve();
        this.window = new SampleWindow(clock, target.settings().window(),
                SampleWindow.capacityFor(target.settings().window(), target.settings().interval()));
    }

    /**
     * Takes one attempt into the window and reports whether it looks like a lost SYN: a completed
     * connect, never a cut one (see {@link SynRetransmits#suspected}). Never where the kernel counted
     * the connect's SYNs itself (direct path, native transport).
     */
    public boolean record(ProbeResult result, Optional<UpstreamSample> sample) {
        boolean suspected = false;
        if (result.upstreamTcp(path).isEmpty() && sample.isPresent() && !sample.get().censored()) {
            Optional<Duration> recentMedian = medianForSuspicion();
            suspected = recentMedian.isPresent() && SynRetransmits.suspected(sample.get().value(), recentMedian.get(),
                    SynRetransmits.cutAt(path, timeout));
        }
        window.record(result, sample);
        invalidateStats();
        Attempt attempt = new Attempt(clock.instant(), result);
        lastAttempt = attempt;
        if (result instanceof ProbeResult.Success s) {
            certificateExpiry = s.tls().earliestExpiry();
            failures.succeeded(target.name());
        } else if (result instanceof ProbeResult.Failure f) {
            lastFailure = attempt;
            failures.failed(target.name(), f, attempt.at());
        }
        return suspected;
    }

    /**
     * The window's median for the lost-SYN check, refreshed at most every {@link #STATS_TTL_MILLIS}: taking
     * it from fresh statistics would copy and sort the whole window on every attempt.
     */
    private synchronized Optional<Duration> medianForSuspicion() {
        long now = clock.millis();
        if (median == null || now - medianAtMillis >= STATS_TTL_MILLIS) {
            median = stats().quantiles().map(WindowStats.Quantiles::p50);
            medianAtMillis = now;
        }
        return median;
    }

    @Override
    public synchronized WindowStats stats() {
        long now = clock.millis();
        if (cachedStats == null || now - cachedAtMillis >= STATS_TTL_MILLIS || cachedStats.timeout() != timeout) {
            cachedStats = WindowStatistics.compute(window.snapshot(), timeout, path, target.settings().toleratedSynLosses());
            cachedAtMillis = now;
        }
        return cachedStats;
    }

    private synchronized void invalidateStats() {
        cachedStats = null;
    }

    /** A source said something new: the effective timeout follows. */
    private void setSources(TimeoutSources next) {
        sources = next;
        timeout = next.resolve();
        invalidateStats();
    }

    @Override
    public Optional<Instant> certificateExpiry() {
        return certificateExpiry;
    }

    public Target target() {
        return target;
    }

    /** Same measurement, new settings (the window is kept). */
    public void update(Target newTarget) {
        this.target = newTarget;
        setSources(sources.withConfigured(newTarget.settings().envoyConnectTimeout()));
    }

    /** What the sidecar's admin API says for this target, and how the last read went. */
    void setFromSidecar(Optional<EffectiveTimeout> fromSidecar, String adminStatus) {
        this.envoyAdminStatus = adminStatus;
        setSources(sources.withSidecar(fromSidecar));
    }

    /** What the DestinationRules and the mesh ConfigMap say for this target. */
    void setFromKubernetes(Optional<Duration> destinationRule, Optional<Duration> meshConfig) {
        setSources(sources.withKubernetes(destinationRule, meshConfig));
    }

    void countEnvoyCut() {
        envoyCheck.countCut();
    }

    /** Envoy's stats for this target's cluster, checked against our count of its cuts. */
    void setEnvoyStats(Optional<ClusterStats> stats, String status) {
        envoyCheck.compare(target.name(), timeout, envoyStats, stats);
        envoyStats = stats;
        envoyStatsStatus = status;
    }

    @Override
    public Optional<ClusterStats> envoyStats() {
        return envoyStats;
    }

    public Optional<String> envoyStatsStatus() {
        return Optional.ofNullable(envoyStatsStatus);
    }

    /** The admin API's last answer, or empty where it is not read (the direct path). */
    public Optional<String> envoyAdminStatus() {
        return Optional.ofNullable(envoyAdminStatus);
    }

    public ProbePath path() {
        return path;
    }

    @Override
    public EffectiveTimeout timeout() {
        return timeout;
    }

    public Optional<Attempt> lastAttempt() {
        return Optional.ofNullable(lastAttempt);
    }

    public Optional<Attempt> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    /** The latest failure in words, for alerts: "reason during phase: detail". */
    public Optional<String> lastError() {
        return lastFailure().map(Attempt::result).filter(ProbeResult.Failure.class::isInstance)
                .map(ProbeResult.Failure.class::cast)
                .map(f -> f.reason().label() + " during " + f.phase().label() + ": " + f.detail());
    }

    /** The highest level of the target's alerts: 0 ok, 1 warning, 2 critical. */
    public int alertLevel() {
        return alertLevels.values().stream().reduce(Level.OK, Level::max).ordinal();
    }

    @Override
    public int alertLevel(AlertName alert) {
        return alertLevels.getOrDefault(alert, Level.OK).ordinal();
    }

    /** Each alert's level by its name, as the alert loop last judged it. */
    public Map<String, String> alertLevels() {
        Map<String, String> named = new TreeMap<>();
        alertLevels.forEach((alert, level) -> named.put(alert.alertName(), level.label()));
        return named;
    }

    /** The alert loop's judgement, published here with everything else readers ask about the target. */
    void setAlertLevels(Map<AlertName, Level> levels) {
        this.alertLevels = Map.copyOf(levels);
    }

    @Override
    public long failures(FailureReason reason) {
        return failures.count(reason);
    }

    /** Failures since the target started, by reason. */
    public Map<String, Long> failureCounts() {
        return failures.counts();
    }

    public List<SampleWindow.Sample> samples() {
        return window.samples();
    }

    public int windowCapacity() {
        return window.capacity();
    }
}
