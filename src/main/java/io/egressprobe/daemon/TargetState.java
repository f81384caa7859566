package io.egressprobe.daemon;

import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.SynRetransmits;
import io.egressprobe.measure.TimeoutChain;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the daemon knows about one target: its window, its effective timeout and its last outcome.
 * Written by the target's loop, read by scrapes and the API from other threads.
 */
public final class TargetState implements TargetMeters.Source {
    private static final Logger LOG = LoggerFactory.getLogger(TargetState.class);
    /** Statistics are recomputed at most this often for reads; a record invalidates them at once. */
    private static final long STATS_TTL_MILLIS = 1000;

    private final Clock clock;
    private final SampleWindow window;
    private final ProbePath path;
    private volatile Target target;
    private volatile EffectiveTimeout timeout;
    private volatile Attempt lastAttempt;
    private volatile Attempt lastFailure;
    private volatile Optional<Instant> certificateExpiry = Optional.empty();
    /** Log throttling: a reason is logged once, then at most every {@link #RELOG} with the count in between. */
    private static final java.time.Duration RELOG = java.time.Duration.ofMinutes(10);
    private FailureReason lastLoggedReason;
    private Instant lastLoggedAt = Instant.EPOCH;
    private int unloggedFailures;
    private int consecutiveFailures;
    private volatile Map<AlertName, Level> alertLevels = Map.of();
    private final java.util.Map<FailureReason, java.util.concurrent.atomic.AtomicLong> failureCounts =
            new java.util.concurrent.ConcurrentHashMap<>();
    private volatile Optional<EffectiveTimeout> fromSidecar = Optional.empty();
    private volatile Optional<Duration> fromDestinationRule = Optional.empty();
    private volatile Optional<Duration> fromMeshConfig = Optional.empty();
    private volatile String envoyAdminStatus;
    private volatile String envoyStatsStatus;
    private volatile Optional<ClusterStats> envoyStats = Optional.empty();
    private final java.util.concurrent.atomic.AtomicInteger envoyCutsSinceStats = new java.util.concurrent.atomic.AtomicInteger();
    private boolean disagreementLogged;
    private WindowStats cachedStats;
    private long cachedAtMillis;
    private Optional<java.time.Duration> median;
    private long medianAtMillis;

    /** An attempt's outcome and when it ended. */
    public record Attempt(Instant at, ProbeResult result) {}

    public TargetState(Clock clock, Target target, ProbePath path) {
        this.clock = clock;
        this.target = target;
        this.path = path;
        this.timeout = resolve(target);
        this.window = new SampleWindow(clock, target.settings().window(),
                SampleWindow.capacityFor(target.settings().window(), target.settings().interval()));
    }

    /** Every source, in the timeout chain's order (docs/architecture.md §2). */
    private EffectiveTimeout resolve(Target target) {
        return TimeoutChain.resolve(fromSidecar, target.settings().envoyConnectTimeout(), fromDestinationRule, fromMeshConfig);
    }

    /**
     * Takes one attempt into the window and reports whether it looks like a lost SYN: a completed
     * connect, never a cut one (see {@link SynRetransmits#suspected}). Never where the kernel counted
     * the connect's SYNs itself (direct path, native transport).
     */
    public boolean record(ProbeResult result, Optional<UpstreamSample> sample) {
        boolean suspected = false;
        if (result.upstreamTcp(path).isEmpty() && sample.isPresent() && !sample.get().censored()) {
            Optional<java.time.Duration> recentMedian = medianForSuspicion();
            suspected = recentMedian.isPresent() && SynRetransmits.suspected(sample.get().value(), recentMedian.get(),
                    SynRetransmits.cutAt(path, timeout));
        }
        window.record(result, sample);
        invalidateStats();
        Attempt attempt = new Attempt(clock.instant(), result);
        lastAttempt = attempt;
        if (result instanceof ProbeResult.Success s) {
            certificateExpiry = s.tls().earliestExpiry();
            logSuccess();
        } else if (result instanceof ProbeResult.Failure f) {
            lastFailure = attempt;
            failureCounts.computeIfAbsent(f.reason(), r -> new java.util.concurrent.atomic.AtomicLong()).incrementAndGet();
            logFailure(f, attempt.at());
        }
        return suspected;
    }

    /** A target that fails now and then must not flood the log: see {@link #RELOG}. */
    private synchronized void logFailure(ProbeResult.Failure f, Instant at) {
        consecutiveFailures++;
        if (f.reason() == lastLoggedReason && at.isBefore(lastLoggedAt.plus(RELOG))) {
            unloggedFailures++;
            return;
        }
        LOG.atWarn().addKeyValue("target", target.name()).addKeyValue("reason", f.reason().label())
                .addKeyValue("phase", f.phase().label()).addKeyValue("detail", f.detail())
                .addKeyValue("failuresSinceLastLog", unloggedFailures)
                .log("target {} failing: {} during {}{}", target.name(), f.reason().label(), f.phase().label(),
                        unloggedFailures == 0 ? "" : " (" + unloggedFailures + " more failures since the last report)");
        lastLoggedReason = f.reason();
        lastLoggedAt = at;
        unloggedFailures = 0;
    }

    private synchronized void logSuccess() {
        if (consecutiveFailures >= 3) {
            LOG.atInfo().addKeyValue("target", target.name()).addKeyValue("failures", consecutiveFailures)
                    .log("target {} recovered after {} failures in a row", target.name(), consecutiveFailures);
        }
        consecutiveFailures = 0;
    }

    /**
     * The window's median for the lost-SYN check, refreshed at most every {@link #STATS_TTL_MILLIS}: taking
     * it from fresh statistics would copy and sort the whole window on every attempt.
     */
    private synchronized Optional<java.time.Duration> medianForSuspicion() {
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
        this.timeout = resolve(newTarget);
        invalidateStats();
    }

    /** What the sidecar's admin API says for this target, and how the last read went. */
    void setFromSidecar(Optional<EffectiveTimeout> timeout, String adminStatus) {
        this.fromSidecar = timeout;
        this.envoyAdminStatus = adminStatus;
        this.timeout = resolve(target);
        invalidateStats();
    }

    /** What the DestinationRules and the mesh ConfigMap say for this target. */
    void setFromKubernetes(Optional<Duration> destinationRule, Optional<Duration> meshConfig) {
        this.fromDestinationRule = destinationRule;
        this.fromMeshConfig = meshConfig;
        this.timeout = resolve(target);
        invalidateStats();
    }

    void countEnvoyCut() {
        envoyCutsSinceStats.incrementAndGet();
    }

    /**
     * Envoy's stats for this target's cluster. Where our classification saw cuts since the last read but
     * Envoy's own connect-timeout counter did not move, the two disagree: logged once per target.
     */
    synchronized void setEnvoyStats(Optional<ClusterStats> stats, String status) {
        int ours = envoyCutsSinceStats.getAndSet(0);
        long before = envoyStats.flatMap(s -> s.connectTimeouts().isPresent()
                ? Optional.of(s.connectTimeouts().getAsLong()) : Optional.empty()).orElse(-1L);
        long after = stats.flatMap(s -> s.connectTimeouts().isPresent()
                ? Optional.of(s.connectTimeouts().getAsLong()) : Optional.empty()).orElse(-1L);
        boolean shared = timeout.cluster().map(io.egressprobe.envoy.ClusterTimeouts.PASSTHROUGH::equals).orElse(true);
        if (ours > 0 && before >= 0 && after >= 0 && after == before && !shared && !disagreementLogged) {
            LOG.atWarn().addKeyValue("target", target.name()).addKeyValue("classified", ours)
                    .log("target {}: {} attempts looked like Envoy's connect timeout, but Envoy's upstream_cx_connect_timeout "
                            + "for {} did not move; the cuts may come from elsewhere (an egress gateway, the server)",
                            target.name(), ours, timeout.cluster().orElse("?"));
            disagreementLogged = true;
        }
        envoyStats = stats;
        envoyStatsStatus = status;
    }

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

    void setAlertLevels(Map<AlertName, Level> levels) {
        this.alertLevels = Map.copyOf(levels);
    }

    /** Failures since the target started, by reason. */
    public java.util.Map<String, Long> failureCounts() {
        java.util.Map<String, Long> counts = new TreeMap<>();
        failureCounts.forEach((reason, n) -> counts.put(reason.label(), n.get()));
        return counts;
    }

    public java.util.List<SampleWindow.Sample> samples() {
        return window.samples();
    }

    public int windowCapacity() {
        return window.capacity();
    }
}
