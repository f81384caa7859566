package io.egressprobe.daemon;

import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.http.TargetView;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.View;
import io.egressprobe.route.UpstreamPick;
import io.egressprobe.target.TargetCore;
import io.egressprobe.target.TargetSnapshot;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.ConnectBuckets;
import io.egressprobe.window.EnvoyConnectWindow;
import io.egressprobe.window.SampleWindow;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
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
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    /** Envoy's connect timeouts, mirrored as a counter that never goes back ({@link #setEnvoyStats}). */
    private volatile long envoyTimeoutsMirrored;

    /**
     * @param core the target's measurement and judgement: a new one for a new target, the running one (already
     *             settled on {@code target}) where an edit restarts the target's loop
     */
    public TargetState(Clock clock, Target target, ProbePath path, TargetCore core) {
        this.clock = clock;
        this.core = core;
        this.facts = TargetFacts.initial(target, path);
        this.envoyConnects = new EnvoyConnectWindow(clock, target.settings().window());
        core.setTimeout(facts.timeout());
        core.setEnvoyConnects(facts.route(), Optional.empty());
    }

    public TargetCore core() {
        return core;
    }

    /** Takes one attempt into the core; {@code cutBy} is the kind of hop that cut it, if one did. */
    public void record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause, Optional<HopKind> cutBy) {
        TargetFacts f = facts;
        core.record(result, sample, ownPause, cutBy);
        Attempt attempt = new Attempt(clock.instant(), result);
        publish(x -> x.withAttempt(attempt));
        if (result instanceof ProbeResult.Failure failure) {
            failureLog.failed(f.target().name(), failure, attempt.at());
        } else {
            failureLog.succeeded(f.target().name());
        }
    }

    /** Same measurement, new settings (the window is kept). */
    public void update(Target next) {
        core.settle(next);
        publish(x -> x.withTarget(next));
    }

    /**
     * The route as the sources now say it, and as Istio resolves it for the target's callers' namespaces; the core judges
     * against the timeout it gives, from the same step.
     */
    void setRoute(Route route, List<View> views) {
        synchronized (this) {
            publish(x -> x.withRoute(route, views));
            core.setTimeout(facts.timeout());
            core.setEnvoyConnects(route, envoyConnectsOf(route));
        }
        listeners.forEach(Runnable::run);
    }

    /** How the sidecar's admin API answered last. */
    void setEnvoyAdminStatus(String status) {
        publish(x -> x.withEnvoyAdminStatus(status));
    }

    /**
     * Envoy's stats for this target's cluster, checked against our count of its cuts; its connect histogram, where
     * read, goes into the window of Envoy's connects for the cluster (a new cluster starts that window again), and the
     * window's connects to the core, which judges the latency on them where they are the target's.
     */
    void setEnvoyStats(Optional<ClusterStats> stats, String status) {
        TargetFacts f = facts;
        envoyCheck.compare(f.target().name(), f.route().hops().get(0).timeout(), f.route().isChain(), f.envoyStats(), stats,
                core.takeSidecarCuts());
        synchronized (this) {
            Route route = facts.route();
            Optional<String> cluster = route.sidecarCluster();
            synchronized (envoyConnects) {
                if (!cluster.equals(envoyConnectsCluster)) {
                    envoyConnects.clear();
                    envoyConnectsRead = false;
                    envoyConnectsCluster = cluster;
                }
                envoyConnects.span(f.target().settings().window());
                Optional<ConnectBuckets> buckets = stats.flatMap(ClusterStats::connectBuckets);
                if (buckets.isPresent() && envoyConnects.record(buckets.get()) == EnvoyConnectWindow.Read.RESTARTED) {
                    LOG.atInfo().addKeyValue("target", f.target().name()).addKeyValue("cluster", cluster.orElse(""))
                            .log("the sidecar's connect histogram for {} counts fewer connects than at the last read (the"
                                    + " sidecar restarted, or its buckets changed): its window starts again",
                                    cluster.orElse("the cluster"));
                }
                envoyConnectsRead |= buckets.isPresent();
            }
            envoyTimeoutsMirrored = mirrored(envoyTimeoutsMirrored, facts.envoyStats(), stats);
            publish(x -> x.withEnvoyStats(stats, status));
            core.setEnvoyConnects(route, envoyConnectsOf(route));
        }
        listeners.forEach(Runnable::run);
    }

    /**
     * Envoy's own connects for {@code route}'s sidecar cluster over the target's window, where its buckets were read for
     * that cluster (an Envoy before 1.22 answers quantiles only; a route to another cluster waits for its next read).
     */
    private Optional<EnvoyConnectWindow.Stats> envoyConnectsOf(Route route) {
        synchronized (envoyConnects) {
            return envoyConnectsRead && route.sidecarCluster().equals(envoyConnectsCluster)
                    ? Optional.of(envoyConnects.stats()) : Optional.empty();
        }
    }

    /**
     * Envoy's counter as one that never goes back: what it counted since the last read is added, all of it after a
     * restart of Envoy's (its counter lower than before); without the stat the count starts again.
     */
    static long mirrored(long total, Optional<ClusterStats> before, Optional<ClusterStats> after) {
        if (after.isEmpty() || after.get().connectTimeouts().isEmpty()) {
            return 0;
        }
        long now = after.get().connectTimeouts().getAsLong();
        long was = before.flatMap(s -> s.connectTimeouts().isPresent() ? Optional.of(s.connectTimeouts().getAsLong())
                : Optional.empty()).orElse(-1L);
        return total + (was < 0 || now < was ? now : now - was);
    }

    @Override
    public long envoyConnectTimeoutsMirrored() {
        return envoyTimeoutsMirrored;
    }

    @Override
    public void onChange(Runnable listener) {
        listeners.add(listener);
    }

    /**
     * The core's latest moment: statistics, levels, cuts and failures of one time, and what the latency is judged on
     * (with Envoy's connects for the sidecar cluster over the window, as last read).
     */
    @Override
    public TargetSnapshot snapshot() {
        return core.snapshot();
    }

    /** Replaces the facts whole; the callers that change the timeout, the route or Envoy's stats then call back. */
    private synchronized void publish(UnaryOperator<TargetFacts> change) {
        facts = change.apply(facts);
    }

    @Override
    public TargetFacts facts() {
        return facts;
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
    public List<SampleWindow.Sample> samples() {
        return core.samples();
    }
}
