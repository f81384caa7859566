package io.egressprobe.daemon;

import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.AlertLevels;
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
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the daemon knows about one target: its window, its effective timeout and its last outcome. Written by the
 * target's loop (attempts) and the refreshers (timeout sources, Envoy's stats); read by scrapes and the API from other
 * threads, through {@link TargetView} and {@link TargetMeters.Source}. Every field is an immutable value, replaced
 * whole by one volatile write, so a reader never sees half an update.
 */
public final class TargetState implements TargetMeters.Source, TargetView {
    private final Clock clock;
    private final SampleWindow window;
    private final WindowCache cache;
    private final ProbePath path;
    private final FailureLog failures = new FailureLog();
    private final EnvoyCrossCheck envoyCheck = new EnvoyCrossCheck();
    private volatile Target target;
    private volatile TimeoutSources sources;
    private volatile EffectiveTimeout timeout;
    private volatile Attempt lastAttempt;
    private volatile Attempt lastFailure;
    private volatile Optional<Instant> certificateExpiry = Optional.empty();
    private volatile AlertLevels alertLevels = AlertLevels.NONE;
    private volatile String envoyAdminStatus;
    private volatile String envoyStatsStatus;
    private volatile Optional<ClusterStats> envoyStats = Optional.empty();

    public TargetState(Clock clock, Target target, ProbePath path) {
        this.clock = clock;
        this.target = target;
        this.path = path;
        this.sources = TimeoutSources.configured(target.settings().envoyConnectTimeout());
        this.timeout = sources.resolve();
        this.window = new SampleWindow(clock, target.settings().window(),
                SampleWindow.capacityFor(target.settings().window(), target.settings().interval()));
        this.cache = new WindowCache(clock, path);
    }

    /**
     * Takes one attempt into the window and reports whether it looks like a lost SYN: a completed
     * connect, never a cut one (see {@link SynRetransmits#suspected}). Never where the kernel counted
     * the connect's SYNs itself (direct path, native transport).
     */
    public boolean record(ProbeResult result, Optional<UpstreamSample> sample) {
        boolean suspected = false;
        if (result.upstreamTcp(path).isEmpty() && sample.isPresent() && !sample.get().censored()) {
            Optional<Duration> median = cache.median(window, timeout, target.settings().toleratedSynLosses());
            suspected = median.isPresent() && SynRetransmits.suspected(sample.get().value(), median.get(),
                    SynRetransmits.cutAt(path, timeout));
        }
        window.record(result, sample);
        cache.invalidate();
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

    private void setSources(TimeoutSources next) {
        sources = next;
        timeout = next.resolve();
        cache.invalidate();
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

    /** The alert loop's judgement, published here with everything else readers ask about the target. */
    void setAlertLevels(AlertLevels levels) {
        this.alertLevels = levels;
    }

    /** The latest failure in words, for alerts: "reason during phase: detail". */
    public Optional<String> lastError() {
        return lastFailure().map(Attempt::result).filter(ProbeResult.Failure.class::isInstance)
                .map(ProbeResult.Failure.class::cast)
                .map(f -> f.reason().label() + " during " + f.phase().label() + ": " + f.detail());
    }

    @Override
    public WindowStats stats() {
        return cache.stats(window, timeout, target.settings().toleratedSynLosses());
    }

    @Override
    public Target target() {
        return target;
    }

    @Override
    public ProbePath path() {
        return path;
    }

    @Override
    public EffectiveTimeout timeout() {
        return timeout;
    }

    @Override
    public Optional<Instant> certificateExpiry() {
        return certificateExpiry;
    }

    @Override
    public Optional<ClusterStats> envoyStats() {
        return envoyStats;
    }

    @Override
    public Optional<String> envoyStatsStatus() {
        return Optional.ofNullable(envoyStatsStatus);
    }

    @Override
    public Optional<String> envoyAdminStatus() {
        return Optional.ofNullable(envoyAdminStatus);
    }

    @Override
    public Optional<Attempt> lastAttempt() {
        return Optional.ofNullable(lastAttempt);
    }

    @Override
    public Optional<Attempt> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    @Override
    public int alertLevel() {
        return alertLevels.highest();
    }

    @Override
    public int alertLevel(AlertName alert) {
        return alertLevels.of(alert);
    }

    @Override
    public Map<String, String> alertLevels() {
        return alertLevels.byName();
    }

    @Override
    public long failures(FailureReason reason) {
        return failures.count(reason);
    }

    @Override
    public Map<String, Long> failureCounts() {
        return failures.counts();
    }

    @Override
    public List<SampleWindow.Sample> samples() {
        return window.samples();
    }

    @Override
    public int windowCapacity() {
        return window.capacity();
    }
}
