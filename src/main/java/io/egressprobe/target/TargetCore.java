package io.egressprobe.target;

import io.egressprobe.alert.AlertEvaluator;
import io.egressprobe.alert.AlertLevels;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.AlertPolicy;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.SynRetransmits;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.route.HopKind;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one owner of a target's measurement and of what is judged on it: its window (and the window by address), its
 * failures and cuts, its alert evaluator and levels. Every change goes through here, under one lock, so that what is
 * measured and what was judged on it change together: an edit that empties the window makes the evaluator forget what
 * it judged on the old one in the same step ({@link #settle}). After each change one immutable {@link TargetSnapshot}
 * is published for the readers (metrics, the API and status page, the alert book), on any thread.
 *
 * <p>Pure: no framework, time from the injected clock. The daemon's target loop records, its alert loop judges;
 * {@code check} judges its one-shot window through the same class.
 */
public final class TargetCore {
    private final Clock clock;
    private final ProbePath path;
    private final int addressLimit;
    /** The room a one-shot run needs, beyond what its settings would size. */
    private final Optional<Integer> runCapacity;
    private final WindowCache cache;
    private final AlertEvaluator evaluator;
    private final Map<HopKind, Long> cuts = new EnumMap<>(HopKind.class);
    private final Map<FailureReason, Long> failures = new EnumMap<>(FailureReason.class);
    /** The sidecar's cuts since Envoy's own counter was last compared with ours. */
    private long sidecarCutsUnread;
    private Target target;
    private SampleWindow window;
    private int windowResets;
    /** The evaluator's levels as last judged: only a judgement changes them, not every attempt. */
    private AlertLevels levels;
    private volatile TargetSnapshot snapshot;

    /** @param addressLimit how many addresses have a view of their own */
    public TargetCore(Clock clock, Target target, ProbePath path, int addressLimit) {
        this(clock, target, path, addressLimit, Optional.empty());
    }

    /**
     * A core for one run of {@code attempts} (the {@code check} command): its window holds every attempt, on a clock
     * that does not move, and lost SYNs are tolerated as {@code toleratedSynLosses} says.
     */
    public static TargetCore forRun(Clock fixed, Target target, ProbePath path, int addressLimit, int attempts,
                                    int toleratedSynLosses) {
        ProbeSettings s = target.settings();
        Duration span = Duration.ofDays(1);
        Duration interval = Duration.ofMillis(Math.max(1, span.toMillis() / (attempts + 1L)));
        Target run = new Target(target.name(), target.host(), target.port(), target.sni(), target.tls(), target.http(),
                new ProbeSettings(interval, s.probeTimeout(), span, s.envoyConnectTimeout(), s.thresholds(),
                        s.minSamples(), s.forDuration(), toleratedSynLosses, s.ipFamily()), target.labels());
        return new TargetCore(fixed, run, path, addressLimit, Optional.of(attempts + 1));
    }

    private TargetCore(Clock clock, Target target, ProbePath path, int addressLimit, Optional<Integer> capacity) {
        this.clock = clock;
        this.path = path;
        this.addressLimit = addressLimit;
        this.cache = new WindowCache(clock, path);
        this.evaluator = new AlertEvaluator(target.name(), AlertPolicy.of(target.settings()));
        this.target = target;
        this.runCapacity = capacity;
        newWindow();
        judged();
    }

    private void newWindow() {
        Duration span = target.settings().window();
        window = new SampleWindow(clock, span, Math.max(runCapacity.orElse(0),
                SampleWindow.capacityFor(span, target.settings().interval())), addressLimit);
        cache.invalidate();
    }

    /**
     * Takes one attempt: into the window (by address too), the failures and, where a hop cut it, the cuts (counted
     * here only; every reader takes the count from the snapshot). Reports whether it looks like a lost SYN: a completed
     * connect, never a cut one (see {@link SynRetransmits#suspected}), and never where the kernel counted the connect's
     * SYNs itself (direct path, native transport).
     */
    public synchronized boolean record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause,
                                       Optional<HopKind> cutBy, EffectiveTimeout timeout) {
        boolean suspected = false;
        if (!ownPause && result.upstreamTcp(path).isEmpty() && sample.isPresent() && !sample.get().censored()) {
            Optional<Duration> median = cache.median(window, timeout, target.settings().toleratedSynLosses());
            suspected = median.isPresent() && SynRetransmits.suspected(sample.get().value(), median.get(),
                    SynRetransmits.cutAt(path, timeout));
        }
        window.record(result, sample, ownPause);
        cache.invalidate();
        if (result instanceof ProbeResult.Failure failure) {
            failures.merge(failure.reason(), 1L, Long::sum);
        }
        cutBy.ifPresent(kind -> {
            cuts.merge(kind, 1L, Long::sum);
            if (kind == HopKind.SIDECAR) {
                sidecarCutsUnread++;
            }
        });
        publish();
        return suspected;
    }

    /**
     * New settings for the same target name. Where they measure something else ({@code Target#measuresSameAs}: another
     * address, interval or window) the window starts empty and the evaluator forgets, in the same step, what it judged
     * on the old one: the levels are held until the new window holds {@code minSamples}, then judged afresh.
     */
    public synchronized void settle(Target next) {
        boolean emptied = !next.measuresSameAs(target);
        target = next;
        evaluator.setPolicy(AlertPolicy.of(next.settings()));
        if (emptied) {
            newWindow();
            evaluator.windowReset();
            windowResets++;
        }
        judged();
    }

    /** One evaluation of the alerts on the window as it is now, against the target's timeout now. */
    public synchronized List<Transition> judge(EffectiveTimeout timeout, Instant now) {
        return judge(timeout, now, Optional.empty());
    }

    /**
     * The same, with the latency alert's utilization taken from {@code latency} where its basis is Envoy's own
     * histogram ({@link ConnectLatency}); everything else is judged on the window as ever.
     */
    public synchronized List<Transition> judge(EffectiveTimeout timeout, Instant now, Optional<ConnectLatency> latency) {
        WindowStats s = stats(timeout);
        WindowStats judged = latency.filter(l -> l.basis() == ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS)
                .map(l -> s.judgedAt(l.utilization())).orElse(s);
        List<Transition> transitions = evaluator.evaluate(judged, now);
        judged();
        return transitions;
    }

    /** Ends every firing alert: the target is gone. */
    public synchronized List<Transition> resolveAll(Instant now) {
        List<Transition> transitions = evaluator.resolveAll(now);
        judged();
        return transitions;
    }

    /** A level a previous run fired (the state file), taken before the first judgement and held until minSamples. */
    public synchronized void restore(AlertName alert, Level level, Instant since) {
        evaluator.restore(alert, level, since);
        judged();
    }

    /** The window's statistics against {@code timeout}, recomputed at most every second (and at once after a record). */
    public synchronized WindowStats stats(EffectiveTimeout timeout) {
        return cache.stats(window, timeout, target.settings().toleratedSynLosses());
    }

    /** The sidecar's cuts since the last call, for the cross-check with Envoy's own counter. */
    public synchronized long takeSidecarCuts() {
        long n = sidecarCutsUnread;
        sidecarCutsUnread = 0;
        return n;
    }

    public synchronized List<SampleWindow.Sample> samples() {
        return window.samples();
    }

    /** The window by address, as {@link SampleWindow#addresses} keeps it in its ring. */
    public synchronized List<AddressWindow.Stats> addresses() {
        return window.addresses();
    }

    public TargetSnapshot snapshot() {
        return snapshot;
    }

    private void judged() {
        levels = evaluator.levels();
        publish();
    }

    private void publish() {
        snapshot = new TargetSnapshot(target, levels, cuts, failures, window.capacity(), windowResets);
    }
}
