package io.egressprobe.daemon;

import io.egressprobe.alert.AlertName;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.http.TargetView;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.View;
import io.egressprobe.route.UpstreamPick;
import io.egressprobe.target.TargetCore;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.ConnectBuckets;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the daemon knows about one target: its {@link TargetCore} (window, failures, cuts, alert levels: the one owner
 * of the measurement and its judgement) and its facts (route, timeout, Envoy's stats, last attempt). Written by the
 * target's loop (attempts), the refreshers (timeout sources, Envoy's stats) and the alert loop (through the core); read
 * by scrapes and the API from other threads, through {@link TargetView} and {@link TargetMeters.Source}. The facts are
 * one immutable value, replaced whole under a lock by each writer; the core publishes its own snapshot.
 */
public final class TargetState implements TargetMeters.Source, TargetView {
    private static final Logger LOG = LoggerFactory.getLogger(TargetState.class);
    private final Clock clock;
    private final TargetCore core;
    private final FailureLog failureLog = new FailureLog();
    private final EnvoyCrossCheck envoyCheck = new EnvoyCrossCheck();
    private final EnvoyConnectWindow envoyConnects;
    /** The cluster {@link #envoyConnects} holds the connects of. */
    private Optional<String> envoyConnectsCluster = Optional.empty();
    private boolean envoyConnectsRead;
    private volatile TargetFacts facts;

    /**
     * @param core the target's measurement and judgement: a new one for a new target, the running one (already
     *             settled on {@code target}) where an edit restarts the target's loop
     */
    public TargetState(Clock clock, Target target, ProbePath path, TargetCore core) {
        this.clock = clock;
        this.core = core;
        this.facts = TargetFacts.initial(target, path);
        this.envoyConnects = new EnvoyConnectWindow(clock, target.settings().window());
    }

    public TargetCore core() {
        return core;
    }

    /**
     * Takes one attempt into the core and reports whether it looks like a lost SYN; {@code cutBy} is the kind of hop
     * that cut it, if one did.
     */
    public boolean record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause, Optional<HopKind> cutBy) {
        TargetFacts f = facts;
        boolean suspected = core.record(result, sample, ownPause, cutBy, f.timeout());
        Attempt attempt = new Attempt(clock.instant(), result);
        publish(x -> x.withAttempt(attempt));
        if (result instanceof ProbeResult.Failure failure) {
            failureLog.failed(f.target().name(), failure, attempt.at());
        } else {
            failureLog.succeeded(f.target().name());
        }
        return suspected;
    }

    /** Same measurement, new settings (the window is kept). */
    public void update(Target next) {
        core.settle(next);
        publish(x -> x.withTarget(next));
    }

    /** The route as the sources now say it, and as Istio resolves it for the target's callers' namespaces. */
    void setRoute(Route route, List<View> views) {
        publish(x -> x.withRoute(route, views));
    }

    /** How the sidecar's admin API answered last. */
    void setEnvoyAdminStatus(String status) {
        publish(x -> x.withEnvoyAdminStatus(status));
    }

    /** The cuts seen since start, by the kind of hop that cut. */
    public Map<HopKind, Long> cutsByHop() {
        return core.snapshot().cuts();
    }

    /**
     * Envoy's stats for this target's cluster, checked against our count of its cuts; its connect histogram, where
     * read, goes into the window of Envoy's connects for the cluster (a new cluster starts that window again).
     */
    void setEnvoyStats(Optional<ClusterStats> stats, String status) {
        TargetFacts f = facts;
        envoyCheck.compare(f.target().name(), f.route().hops().get(0).timeout(), f.route().isChain(), f.envoyStats(), stats,
                core.takeSidecarCuts());
        Optional<String> cluster = f.route().sidecarCluster();
        synchronized (envoyConnects) {
            if (!cluster.equals(envoyConnectsCluster)) {
                envoyConnects.clear();
                envoyConnectsCluster = cluster;
            }
            envoyConnects.span(f.target().settings().window());
            Optional<ConnectBuckets> buckets = stats.flatMap(ClusterStats::connectBuckets);
            if (buckets.isPresent() && envoyConnects.record(buckets.get()) == EnvoyConnectWindow.Read.RESTARTED) {
                LOG.atInfo().addKeyValue("target", f.target().name()).addKeyValue("cluster", cluster.orElse(""))
                        .log("the sidecar's connect histogram for {} counts fewer connects than at the last read (the sidecar"
                                + " restarted, or its buckets changed): its window starts again", cluster.orElse("the cluster"));
            }
            envoyConnectsRead |= buckets.isPresent();
        }
        publish(x -> x.withEnvoyStats(stats, status));
    }

    /**
     * Envoy's own connects for the probe's sidecar cluster over the target's window, where its buckets were read (an
     * Envoy before 1.22 answers quantiles only).
     */
    @Override
    public Optional<EnvoyConnectWindow.Stats> envoyConnects() {
        synchronized (envoyConnects) {
            return envoyConnectsRead ? Optional.of(envoyConnects.stats()) : Optional.empty();
        }
    }

    /** What the latency alert is judged on now: Envoy's histogram where it can be, else the window (see {@link ConnectLatency}). */
    @Override
    public ConnectLatency connectLatency() {
        TargetFacts f = facts;
        return ConnectLatency.choose(f.route(), f.path(), envoyConnects(), f.target().settings().minSamples(), f.timeout(),
                core.stats(f.timeout()));
    }

    /** The window's statistics follow on their own: they are recomputed for a timeout they were not computed with. */
    private synchronized void publish(UnaryOperator<TargetFacts> change) {
        facts = change.apply(facts);
    }

    @Override
    public TargetFacts facts() {
        return facts;
    }

    @Override
    public WindowStats stats() {
        return core.stats(facts.timeout());
    }

    @Override
    public EffectiveTimeout timeout() {
        return facts.timeout();
    }

    @Override
    public Route route() {
        return facts.route();
    }

    /**
     * By address only where the address the probe dialed is the one the upstream connect reached: the direct path, and
     * a sidecar whose cluster connects to the dialed address ({@code ORIGINAL_DST}); see {@link UpstreamPick}.
     */
    @Override
    public List<AddressWindow.Stats> addresses() {
        TargetFacts f = facts;
        return UpstreamPick.addressesAreUpstreams(f.path() == ProbePath.DIRECT, f.route().upstreamPick())
                ? core.addresses() : List.of();
    }

    @Override
    public Optional<Instant> certificateExpiry() {
        return facts.certificateExpiry();
    }

    @Override
    public Optional<ClusterStats> envoyStats() {
        return facts.envoyStats();
    }

    @Override
    public int alertLevel(AlertName alert) {
        return core.snapshot().levels().of(alert);
    }

    @Override
    public long failures(FailureReason reason) {
        return core.snapshot().failures(reason);
    }

    @Override
    public Map<String, Long> failureCounts() {
        return core.snapshot().failureCounts();
    }

    @Override
    public List<SampleWindow.Sample> samples() {
        return core.samples();
    }

    @Override
    public int windowCapacity() {
        return core.snapshot().windowCapacity();
    }
}
