package io.egressprobe.daemon;

import io.egressprobe.alert.AlertLevels;
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
import io.egressprobe.measure.SynRetransmits;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.View;
import io.egressprobe.route.UpstreamPick;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * What the daemon knows about one target: its window and its facts. Written by the target's loop (attempts), the
 * refreshers (timeout sources, Envoy's stats); read by scrapes and the API from other
 * threads, through {@link TargetView} and {@link TargetMeters.Source}. The facts are one immutable value, replaced whole
 * under a lock by each writer, so a reader never sees half an update and no writer loses another's.
 */
public final class TargetState implements TargetMeters.Source, TargetView {
    private final Clock clock;
    private final SampleWindow window;
    private final WindowCache cache;
    private final FailureLog failures = new FailureLog();
    private final EnvoyCrossCheck envoyCheck = new EnvoyCrossCheck();
    private final Function<String, AlertLevels> alertLevels;
    private final Map<HopKind, Long> cuts = new ConcurrentHashMap<>();
    private volatile TargetFacts facts;

    /** @param alertLevels the alert book's levels of a target, by name: the book owns them, this only reads */
    /** @param addressLimit how many addresses have a view of their own */
    public TargetState(Clock clock, Target target, ProbePath path, Function<String, AlertLevels> alertLevels,
                       int addressLimit) {
        this.clock = clock;
        this.alertLevels = alertLevels;
        this.facts = TargetFacts.initial(target, path);
        this.window = new SampleWindow(clock, target.settings().window(),
                SampleWindow.capacityFor(target.settings().window(), target.settings().interval()), addressLimit);
        this.cache = new WindowCache(clock, path);
    }

    /**
     * Takes one attempt into the window and reports whether it looks like a lost SYN: a completed
     * connect, never a cut one (see {@link SynRetransmits#suspected}). Never where the kernel counted
     * the connect's SYNs itself (direct path, native transport).
     */
    public boolean record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause) {
        TargetFacts f = facts;
        boolean suspected = false;
        if (!ownPause && result.upstreamTcp(f.path()).isEmpty() && sample.isPresent() && !sample.get().censored()) {
            Optional<Duration> median = cache.median(window, f.timeout(), f.target().settings().toleratedSynLosses());
            suspected = median.isPresent() && SynRetransmits.suspected(sample.get().value(), median.get(),
                    SynRetransmits.cutAt(f.path(), f.timeout()));
        }
        window.record(result, sample, ownPause);
        cache.invalidate();
        Attempt attempt = new Attempt(clock.instant(), result);
        publish(x -> x.withAttempt(attempt));
        if (result instanceof ProbeResult.Failure failure) {
            failures.failed(f.target().name(), failure, attempt.at());
        } else {
            failures.succeeded(f.target().name());
        }
        return suspected;
    }

    /** Same measurement, new settings (the window is kept). */
    public void update(Target next) {
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

    /** A cut by the hop at {@code hop} of the route it was measured against; the sidecar's own are Envoy's count too. */
    void countCut(Route route, int hop) {
        cuts.merge(route.hops().get(hop).kind(), 1L, Long::sum);
        if (route.hops().get(hop).kind() == HopKind.SIDECAR) {
            envoyCheck.countCut();
        }
    }

    /** The cuts seen since start, by the kind of hop that cut. */
    public Map<HopKind, Long> cutsByHop() {
        return Map.copyOf(cuts);
    }

    /** Envoy's stats for this target's cluster, checked against our count of its cuts. */
    void setEnvoyStats(Optional<ClusterStats> stats, String status) {
        TargetFacts f = facts;
        envoyCheck.compare(f.target().name(), f.route().hops().get(0).timeout(), f.envoyStats(), stats);
        publish(x -> x.withEnvoyStats(stats, status));
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
        TargetFacts f = facts;
        return cache.stats(window, f.timeout(), f.target().settings().toleratedSynLosses());
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
                ? window.addresses() : List.of();
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
        return alertLevels.apply(facts.target().name()).of(alert);
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
