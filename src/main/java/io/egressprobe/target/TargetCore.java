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
import io.egressprobe.route.Route;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
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
 * is published for the readers (metrics, the API and status page, the alert book), on any thread: the levels, cuts,
 * failures and window statistics of one moment, and what the latency alert is judged on ({@link ConnectLatency}: the
 * sidecar's own connect histogram where it can be, else the window), so the evaluator judges the utilization the
 * snapshot publishes.
 *
 * <p>Pure: no framework, time from the injected clock. The daemon's target loop records, its alert loop judges over
 * time ({@link #judge}); {@code check} judges its one-shot window through the same class and the same evaluator, once,
 * without a {@code for} to wait out ({@link #judgeNow}).
 */
public final class TargetCore {
    /** The median the lost-SYN rule compares with is taken again after this long, or once the window doubled. */
    static final long MEDIAN_TTL_MILLIS = 1000;
    /** Long ago enough that the first attempt takes the median, far enough from the minimum not to overflow. */
    private static final long NEVER = Long.MIN_VALUE / 2;

    private final Clock clock;
    private final ProbePath path;
    private final int addressLimit;
    /** The room a one-shot run needs, beyond what its settings would size. */
    private final Optional<Integer> runCapacity;
    private final AlertEvaluator evaluator;
    private final Map<HopKind, Long> cuts = new EnumMap<>(HopKind.class);
    private final Map<FailureReason, Long> failures = new EnumMap<>(FailureReason.class);
    private long attempts;
    private long suspectedLostSyns;
    /** The sidecar's cuts since Envoy's own counter was last compared with ours. */
    private long sidecarCutsUnread;
    private Target target;
    private EffectiveTimeout timeout;
    /** The probe's own route and its sidecar's connects over the window: what the latency may be judged on. */
    private Optional<Route> route = Optional.empty();
    private Optional<EnvoyConnectWindow.Stats> envoyConnects = Optional.empty();
    private SampleWindow window;
    private int windowResets;
    /** The evaluator's levels as last judged: only a judgement changes them, not every attempt. */
    private AlertLevels levels;
    private Optional<Duration> median = Optional.empty();
    private long medianAtMillis = NEVER;
    private long medianOfAttempts;
    private volatile TargetSnapshot snapshot;

    /** @param addressLimit how many addresses have a view of their own */
    public TargetCore(Clock clock, Target target, ProbePath path, int addressLimit) {
        this(clock, target, path, addressLimit, Optional.empty());
    }

    /**
     * A core for one run of {@code attempts} (the {@code check} command): its window holds every attempt, on a clock
     * that does not move; it is judged with {@link #judgeNow}, on {@code target}'s thresholds, minSamples and tolerated
     * SYN losses.
     */
    public static TargetCore forRun(Clock fixed, Target target, ProbePath path, int addressLimit, int attempts) {
        ProbeSettings s = target.settings();
        Duration span = Duration.ofDays(1);
        Duration interval = Duration.ofMillis(Math.max(1, span.toMillis() / (attempts + 1L)));
        Target run = new Target(target.name(), target.host(), target.port(), target.sni(), target.tls(), target.http(),
                new ProbeSettings(interval, s.probeTimeout(), span, s.envoyConnectTimeout(), s.thresholds(),
                        s.minSamples(), s.forDuration(), s.toleratedSynLosses(), s.ipFamily()), target.labels());
        return new TargetCore(fixed, run, path, addressLimit, Optional.of(attempts + 1));
    }

    private TargetCore(Clock clock, Target target, ProbePath path, int addressLimit, Optional<Integer> capacity) {
        this.clock = clock;
        this.path = path;
        this.addressLimit = addressLimit;
        this.evaluator = new AlertEvaluator(target.name(), AlertPolicy.of(target.settings()));
        this.target = target;
        this.timeout = target.settings().envoyConnectTimeout().map(EffectiveTimeout::configured)
                .orElse(EffectiveTimeout.ISTIO_DEFAULT);
        this.runCapacity = capacity;
        newWindow();
        judged();
    }

    private void newWindow() {
        Duration span = target.settings().window();
        window = new SampleWindow(clock, span, Math.max(runCapacity.orElse(0),
                SampleWindow.capacityFor(span, target.settings().interval())), addressLimit);
        median = Optional.empty();
        medianAtMillis = NEVER;
        medianOfAttempts = 0;
    }

    /**
     * Takes one attempt: into the window (by address too), the failures and, where a hop cut it, the cuts (counted
     * here only; every reader takes the count from the snapshot). Judges here, once, whether a completed connect looks
     * like a lost SYN ({@link SynRetransmits#suspected} against the window's median and what cuts a connect on this
     * path), never where the kernel counted the connect's SYNs itself (direct path, native transport): the window keeps
     * the judgement with the attempt, and the snapshot's count of suspected losses is the same judgements.
     */
    public synchronized void record(ProbeResult result, Optional<UpstreamSample> sample, boolean ownPause,
                                    Optional<HopKind> cutBy) {
        boolean suspected = !ownPause && result.upstreamTcp(path).isEmpty() && sample.isPresent()
                && !sample.get().censored() && median().map(m -> SynRetransmits.suspected(sample.get().value(), m,
                        SynRetransmits.cutAt(path, timeout))).orElse(false);
        window.record(result, sample, ownPause, suspected);
        attempts++;
        suspectedLostSyns += suspected ? 1 : 0;
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
    }

    /**
     * The window's median for the lost-SYN rule: the latest snapshot's, taken again at most every second, or sooner
     * while the window fills (when it holds twice the attempts it was taken on), since a sort on every attempt would
     * cost more than the rest of the attempt's work.
     */
    private Optional<Duration> median() {
        long now = clock.millis();
        long held = snapshot.mark().to() - snapshot.mark().from();
        if (now - medianAtMillis >= MEDIAN_TTL_MILLIS || held >= 2 * medianOfAttempts) {
            median = snapshot.stats().quantiles().map(WindowStats.Quantiles::p50);
            medianAtMillis = now;
            medianOfAttempts = Math.max(1, held);
        }
        return median;
    }

    /** The timeout the target is judged against now (its route's, or its tightest caller's): the statistics follow. */
    public synchronized void setTimeout(EffectiveTimeout next) {
        if (!next.equals(timeout)) {
            timeout = next;
            publish();
        }
    }

    /**
     * The probe's own route and the sidecar's connects for its cluster over the window, as last read (empty where its
     * buckets are not read): where the sidecar dials the host and they hold minSamples connects, the latency alert is
     * judged on their p99 ({@link ConnectLatency#choose}). Published with the next moment, and judged from the next
     * judgement on.
     */
    public synchronized void setEnvoyConnects(Route next, Optional<EnvoyConnectWindow.Stats> connects) {
        Optional<Route> nextRoute = Optional.of(next);
        if (!nextRoute.equals(route) || !connects.equals(envoyConnects)) {
            route = nextRoute;
            envoyConnects = connects;
            publish();
        }
    }

    /**
     * The connects Envoy's window needs to stand in for the probe's: the target's minSamples, as the probe's window
     * needs; for a run, the daemon's (a run's minSamples of 1 is the size the user asked for, and one connect of
     * Envoy's is no p99).
     */
    private int envoyMinSamples() {
        return runCapacity.isPresent() ? ProbeSettings.BUILT_IN.minSamples() : target.settings().minSamples();
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

    /** One evaluation of the alerts, over time, on the window as it is now against the target's timeout now. */
    public synchronized List<Transition> judge(Instant now) {
        List<Transition> transitions = evaluator.evaluate(current().judged(), now);
        judged();
        return transitions;
    }

    /**
     * The levels the daemon's evaluator gives this window now, judged once: the same conditions (thresholds,
     * minSamples, cuts, failures, lost-SYN tolerance) without a {@code for} to wait out, for a run that has no time
     * after it ({@code check}). Nothing of the evaluator's own state changes.
     */
    public synchronized AlertLevels judgeNow() {
        return AlertEvaluator.once(target.name(), AlertPolicy.of(target.settings()), current().judged(), clock.instant());
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

    /**
     * The latest moment; a new one where the oldest attempt of the latest has left the window since (the window
     * expires by time, not only by records).
     */
    public TargetSnapshot snapshot() {
        TargetSnapshot s = snapshot;
        return clock.millis() < s.mark().changesAtMillis() ? s : current();
    }

    private synchronized TargetSnapshot current() {
        if (clock.millis() >= snapshot.mark().changesAtMillis()) {
            publish();
        }
        return snapshot;
    }

    private void judged() {
        levels = evaluator.levels();
        publish();
    }

    private void publish() {
        SampleWindow.Mark mark = window.mark();
        TargetSnapshot last = snapshot;
        // Nothing the statistics depend on changed (a judgement, a restore): the new moment reuses them.
        WindowStats stats = last != null && last.window() == window && last.mark().from() == mark.from()
                && last.mark().to() == mark.to() && last.timeout().equals(timeout) && last.target().equals(target)
                ? last.statsIfComputed() : null;
        snapshot = new TargetSnapshot(target, timeout, levels, cuts, failures, attempts, suspectedLostSyns, windowResets,
                window, mark, path, stats, route, envoyConnects, envoyMinSamples());
    }
}
