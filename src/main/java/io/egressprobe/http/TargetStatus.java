package io.egressprobe.http;

import io.egressprobe.alert.AlertLevels;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.probe.Transport;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteFault;
import io.egressprobe.route.View;
import io.egressprobe.route.UpstreamPick;
import io.egressprobe.window.Attempts;
import io.egressprobe.target.TargetSnapshot;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.TreeMap;

/** One target as {@code GET /api/v1/targets} shows it: every number in seconds, every time in ISO-8601. */
record TargetStatus(
        String name, String host, int port, String sni, String path, String upstreamMeasure, String tlsEngine,
        String transport, String connectSource, double intervalSeconds, Double attemptsPerMinute,
        Timeout timeout, RouteView route, List<ViewStatus> views, List<AddressView> addresses, String addressesNote, String envoyAdmin, EnvoyView envoy, Window window, List<WhatIf> whatIf, Recommendation recommendation,
        LastAttempt lastAttempt, LastAttempt lastFailure, Map<String, Long> failuresSinceStart, Instant certificateExpiry,
        Map<String, String> labels, Integer alertLevel, Map<String, String> alerts, String alertStatus,
        Map<String, String> pendingAlerts, Thresholds thresholds,
        List<double[]> samples) {

    record Thresholds(double warning, double critical, double failureWarning, double failureCritical) {}

    /**
     * @param view              the callers' namespace whose view the target is judged on, where it names its callers
     * @param judgedOn          what the latency alert's utilization is judged on: {@code envoy_upstream_cx_connect_ms}
     *                          (the sidecar's own histogram for the cluster that dials the host, over the window) or
     *                          {@code probe_window} (the probe's own samples, {@code upstreamMeasure})
     * @param judgedUtilization that quantity's p99 against {@code seconds}
     * @param judgedP99Seconds  that p99
     * @param judgedSamples     connects behind it
     * @param judgedReason      why that quantity, in words
     */
    record Timeout(double seconds, String source, String cluster, String view, String judgedOn, Double judgedUtilization,
                   Double judgedP99Seconds, long judgedSamples, String judgedReason) {}

    /**
     * The route as Istio resolves it for a sidecar in one of the target's callers' namespaces.
     *
     * @param judged      the target is judged on this view: the tightest
     * @param utilization the window's p99 against this view's timeout
     */
    record ViewStatus(String namespace, double timeoutSeconds, String source, String destinationRule, String limitingHop,
                      boolean judged, Double utilization, List<String> hops) {}

    /**
     * The hops the connections take, in order; {@code limitingHop} is the one whose timeout is {@code timeout}.
     *
     * @param fault       a route that carries nothing ({@code registry_only}), with what to do in {@code faultAdvice}
     * @param notes       how the route was found, and what is assumed
     */
    record RouteView(List<HopView> hops, String limitingHop, boolean originatesTls, String fault, String faultAdvice,
                     List<String> notes) {}

    /**
     * The window's attempts to one address ({@code other}: those beyond {@code metrics.addressesPerTarget}); only where
     * the dialed address is the upstream's, else {@code addressesNote} says why there are none.
     */
    record AddressView(String address, int attempts, int failures, double failureRatio, int cut, Double p99Seconds) {}

    /**
     * @param timeoutSeconds null where the hop's timeout is not known (a forward proxy)
     * @param cuts         attempts this hop's timeout cut since the target started
     * @param verdict      what the hop's timeout is judged on: the window, for the hop that dials the host; for an
     *                     in-cluster leg, the sidecar's own histogram and timeout count for its cluster, where recorded
     * @param upstreamPick how the hop picks the host's address ({@code dialed}, {@code proxy_balances},
     *                     {@code proxy_races}), where known
     * @param routedBy     the resource that chose the hop's cluster ({@code VirtualService namespace/name}: an egress
     *                     gateway's own leg), where one did
     * @param shares       the weighted destinations the hop splits connections between, each with its own timeout
     */
    record HopView(String hop, Double timeoutSeconds, String source, String cluster, String destinationRule,
                   boolean originatesTls, long cuts, String verdict, String upstreamPick, String routedBy,
                   List<ShareView> shares) {}

    /** One weighted destination of a hop, with the timeout of its own cluster. */
    record ShareView(String cluster, int weight, double timeoutSeconds, String source) {}

    /**
     * @param count    latency samples (completed connects and cut ones)
     * @param attempts every attempt of the window, with or without a sample
     * @param failures the window's failures by reason
     * @param synLosses connects that needed a retransmitted SYN, counted by the kernel or inferred from timing
     * @param ownPauses completed connects timed across a pause of the daemon's own collector, left out of the samples
     */
    record Window(double durationSeconds, int count, int capacity, int censored, Double p50, Double p90, Double p99,
                  Double p999, Double max, double utilization, double exceededRatio, int exceeded,
                  int retransmitSuspected, SynLosses synLosses, int attempts, int failed, double failureRatio,
                  Map<String, Integer> failures, Instant lastSuccess, int ownPauses) {}

    /** @param source {@code tcp_info} (the kernel counted) or {@code timing} (inferred, never a cut) */
    record SynLosses(String source, int connects, int retransmittedSyns, int outOf) {}

    record WhatIf(double timeoutSeconds, double cutRatio) {}

    /**
     * Envoy's own stats for the target's cluster; {@code status} says why they are missing.
     *
     * @param connectQuantileSeconds since the sidecar started
     * @param window                 {@code upstream_cx_connect_ms} over the target's window, from its cumulative buckets;
     *                               null where Envoy answers no buckets (before 1.22)
     */
    record EnvoyView(String status, Long connectTimeouts, Long connectFailures, Long connections,
                     Map<String, Double> connectQuantileSeconds, EnvoyWindow window) {}

    /** @param restarts reads that found the sidecar's counters started again: each started the window again */
    record EnvoyWindow(long connects, Double p50Seconds, Double p99Seconds, int restarts) {}

    /**
     * @param basis {@code all_connects}, or {@code completed_connects} where the window's cuts are a path fault
     *              ({@link io.egressprobe.window.PathFault}): no timeout would have completed those
     */
    record Recommendation(double timeoutSeconds, double neededSeconds, boolean beyondLargest, String basis) {}

    /** @param tlsVersion and {@code cipherSuite}: what the handshake negotiated, where it completed */
    record LastAttempt(Instant at, String result, String reason, String phase, String detail, Double elapsedSeconds,
                       String tlsVersion, String cipherSuite) {}

    /**
     * @param withSamples include the window's samples as {@code [epoch seconds, seconds, censored 0|1]}, oldest first
     */
    static TargetStatus of(TargetView state, AlertLevels levels, String tlsEngine, Transport transport,
                           boolean withSamples) {
        TargetFacts facts = state.facts();
        var target = facts.target();
        var th = target.settings().thresholds();
        // One moment of the core: the statistics, cuts, failures and what the latency is judged on are of the same time.
        TargetSnapshot snapshot = state.snapshot();
        WindowStats s = snapshot.stats();
        ConnectLatency latency = snapshot.latency();
        var q = s.quantiles();
        Window window = new Window(seconds(target.settings().window()), s.count(), snapshot.windowCapacity(),
                s.censoredCount(), q.map(x -> seconds(x.p50())).orElse(null), q.map(x -> seconds(x.p90())).orElse(null),
                q.map(x -> seconds(x.p99())).orElse(null), q.map(x -> seconds(x.p999())).orElse(null),
                q.map(x -> seconds(x.max())).orElse(null), s.utilization(), s.exceededRatio(), s.exceededCount(),
                s.retransmitSuspected(), synLosses(s.synLosses()), s.attempts().total(), s.attempts().failed(),
                s.attempts().failureRatio(),
                byReason(s.attempts()), s.attempts().lastSuccess().orElse(null), s.attempts().ownPauses());
        String measure = facts.upstreamMeasure();
        // On the sidecar path the connect is to the local Envoy: what measures it says nothing upstream.
        String connectSource = facts.path() != ProbePath.DIRECT ? null : transport == Transport.EPOLL ? "tcp_info" : "event_loop";
        return new TargetStatus(target.name(), target.host(), target.port(), target.sni(), facts.path().label(), measure,
                tlsEngine, transport.label(), connectSource, seconds(target.settings().interval()), attemptsPerMinute(s.attempts()),
                new Timeout(facts.timeout().seconds(), facts.timeout().source().label(), facts.timeout().cluster().orElse(null),
                        facts.judgedView().orElse(null), latency.basis().label(), finite(latency.utilization()),
                        latency.p99().map(TargetStatus::seconds).orElse(null), latency.samples(), latency.why()),
                route(facts.route(), snapshot.cuts(), new Destination(target.host(), target.port()), facts, s, latency,
                        snapshot.envoyConnects()),
                facts.views().stream().map(v -> view(v, facts, q.map(x -> x.p99()))).toList(),
                state.addresses().stream().map(a -> new AddressView(a.address(), a.attempts(), a.failures(), a.failureRatio(),
                        a.cut(), a.p99().map(TargetStatus::seconds).orElse(null))).toList(),
                UpstreamPick.withoutAddressViews(facts.path() == ProbePath.DIRECT, facts.route().upstreamPick(),
                        facts.route().hops().get(0).timeout().cluster().orElse("")).orElse(null),
                facts.envoyAdminStatus().orElse(null), envoyView(facts, snapshot.envoyConnects()), window,
                s.whatIf().stream().map(w -> new WhatIf(seconds(w.timeout()), w.cutRatio())).toList(),
                s.recommendation().map(r -> new Recommendation(seconds(r.timeout()), seconds(r.needed()), r.beyondLargest(),
                        s.pathFault().isPresent() ? "completed_connects" : "all_connects"))
                        .orElse(null),
                facts.lastAttempt().map(TargetStatus::attempt).orElse(null),
                facts.lastFailure().map(TargetStatus::attempt).orElse(null),
                snapshot.failureCounts(),
                facts.certificateExpiry().orElse(null),
                target.labels(), levels.highest(), levels.byName(), levels.status(), levels.pendingByName(),
                new Thresholds(th.warning(), th.critical(), th.failureWarning(), th.failureCritical()),
                withSamples ? state.samples().stream().map(x -> new double[] {x.recordedAtMillis() / 1000.0,
                        x.valueNanos() / 1e9, x.censored() ? 1 : 0}).toList() : null);
    }

    private static RouteView route(Route route, Map<HopKind, Long> cuts, Destination d, TargetFacts facts, WindowStats s,
                                   ConnectLatency latency, Optional<EnvoyConnectWindow.Stats> envoy) {
        return new RouteView(route.hops().stream().map(h -> new HopView(h.kind().label(),
                        h.timeoutKnown() ? h.timeout().seconds() : null, h.timeoutKnown() ? h.timeout().source().label() : "unknown",
                        h.timeout().cluster().orElse(null), h.rule().orElse(null), h.originatesTls(),
                        cuts.getOrDefault(h.kind(), 0L), verdict(route, h, facts, latency, envoy),
                        h.upstreamPick().map(UpstreamPick::label).orElse(null), h.ref().routedBy().orElse(null),
                        h.shares().isEmpty() ? null : h.shares().stream().map(x -> new ShareView(x.cluster(), x.weight(),
                                x.timeout().seconds(), x.timeout().source().label())).toList())).toList(),
                route.limit().kind().label(), route.originatesTls(), route.fault().map(RouteFault::label).orElse(null),
                route.fault().map(f -> f.advice(d)).orElse(null), route.notes());
    }

    /**
     * The rate the window's attempts achieved, beside the interval that plans it: attempts that hang until probeTimeout
     * overlap only up to a bound, so a target can be sampled less often than planned, and this says so. Empty below
     * two attempts.
     */
    static Double attemptsPerMinute(Attempts a) {
        if (a.total() < 2 || a.first().isEmpty() || a.last().isEmpty()) {
            return null;
        }
        long spanMillis = Duration.between(a.first().get(), a.last().get()).toMillis();
        return spanMillis <= 0 ? null : (a.total() - 1) * 60_000.0 / spanMillis;
    }

    private static SynLosses synLosses(io.egressprobe.window.SynLosses l) {
        return new SynLosses(l.source().label(), l.connects(), l.retransmittedSyns(), l.outOf());
    }

    private static Map<String, Integer> byReason(Attempts attempts) {
        Map<String, Integer> labelled = new TreeMap<>();
        attempts.failuresByReason().forEach((reason, n) -> labelled.put(reason.label(), n));
        return labelled;
    }

    private static ViewStatus view(View v, TargetFacts facts, Optional<Duration> p99) {
        Hop limit = v.route().limit();
        return new ViewStatus(v.namespace(), limit.timeout().seconds(), limit.timeout().source().label(), limit.rule().orElse(null),
                limit.kind().label(), facts.judgedView().filter(v.namespace()::equals).isPresent(),
                p99.map(p -> (double) p.toNanos() / limit.timeout().value().toNanos()).orElse(null),
                v.route().hops().stream().map(h -> h.kind().label() + " " + h.timeout().value().toMillis() + " ms ("
                        + h.rule().map(r -> "DestinationRule " + r).orElse(h.timeout().source().label()) + ")").toList());
    }

    /**
     * The hop that dials the host is judged on {@code latency}: Envoy's own histogram where the sidecar dials it and its
     * window holds minSamples, else the probe's window. An in-cluster leg before it is judged on the probe's own
     * sidecar's histogram for the leg's cluster over the window, which carries only the probe's connects: that leg
     * exactly (since start, Envoy's quantiles, where its buckets are not read).
     */
    static String verdict(Route route, Hop hop, TargetFacts facts, ConnectLatency latency,
                          Optional<EnvoyConnectWindow.Stats> envoy) {
        if (hop == route.limit()) {
            return route.fault().map(f -> "blocked: " + f.label()).orElse(facts.judgedView()
                    .map(ns -> "dials the host: the probe's own connections are cut at this timeout; the target is judged on"
                            + " the view of namespace " + ns + " (" + judgedOn(latency) + ")")
                    .orElse("dials the host: the external connect is judged against this timeout (utilization "
                            + percent(latency.utilization()) + ", " + judgedOn(latency) + ")"));
        }
        if (hop != route.hops().get(0)) {
            return route.role(hop) + "; no measurement of its own reaches this pod";
        }
        long timeouts = facts.envoyStats().flatMap(e -> boxed(e.connectTimeouts())).orElse(0L);
        int minSamples = facts.target().settings().minSamples();
        Optional<EnvoyConnectWindow.Stats> window = envoy.filter(e -> e.connects() >= minSamples && e.p99().isPresent());
        if (window.isPresent()) {
            Duration p99 = window.get().p99().get();
            return route.role(hop) + "; judged on envoy_upstream_cx_connect_ms: the sidecar's own p99 connect "
                    + p99.toMillis() + " ms of its " + hop.timeout().value().toMillis() + " ms (utilization "
                    + percent((double) p99.toNanos() / hop.timeout().value().toNanos()) + ") over "
                    + window.get().connects() + " connects in the window, " + timeouts + " connect timeouts since it started";
        }
        Optional<Duration> p99 = facts.envoyStats().flatMap(e -> Optional.ofNullable(e.connectQuantiles().get(0.99)));
        if (p99.isEmpty()) {
            return route.role(hop) + "; the sidecar's own stats for " + hop.ref().cluster().orElse("its cluster") + " are "
                    + facts.envoyStatsStatus().orElse("not read");
        }
        return route.role(hop) + "; the sidecar's own p99 connect since it started " + p99.get().toMillis() + " ms of its "
                + hop.timeout().value().toMillis() + " ms (utilization " + percent((double) p99.get().toNanos() / hop.timeout().value().toNanos())
                + "), " + timeouts + " connect timeouts since it started"
                + envoy.map(e -> " (" + e.connects() + " connects in the window, fewer than minSamples " + minSamples + ")").orElse("");
    }

    /** "judged on envoy_upstream_cx_connect_ms, p99 412 ms of 180 connects", or on the probe's window. */
    private static String judgedOn(ConnectLatency latency) {
        return "judged on " + latency.basis().label() + latency.p99().map(p -> ", p99 " + p.toMillis() + " ms").orElse("")
                + " of " + latency.samples() + (latency.basis() == ConnectLatency.Basis.PROBE_WINDOW ? " samples" : " connects");
    }

    private static Double finite(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private static String percent(double ratio) {
        return Double.isFinite(ratio) ? Math.round(ratio * 100) + "%" : "–";
    }

    private static EnvoyView envoyView(TargetFacts facts, Optional<EnvoyConnectWindow.Stats> window) {
        if (facts.envoyStatsStatus().isEmpty()) {
            return null;
        }
        var stats = facts.envoyStats();
        Map<String, Double> quantiles = new TreeMap<>();
        stats.ifPresent(s -> s.connectQuantiles().forEach((q, d) -> quantiles.put(Double.toString(q), seconds(d))));
        return new EnvoyView(facts.envoyStatsStatus().get(),
                stats.flatMap(s -> boxed(s.connectTimeouts())).orElse(null),
                stats.flatMap(s -> boxed(s.connectFailures())).orElse(null),
                stats.flatMap(s -> boxed(s.connections())).orElse(null), quantiles,
                window.map(w -> new EnvoyWindow(w.connects(), w.p50().map(TargetStatus::seconds).orElse(null),
                        w.p99().map(TargetStatus::seconds).orElse(null), w.restarts())).orElse(null));
    }

    private static Optional<Long> boxed(OptionalLong v) {
        return v.isPresent() ? Optional.of(v.getAsLong()) : Optional.empty();
    }

    private static LastAttempt attempt(Attempt a) {
        if (a.result() instanceof ProbeResult.Failure f) {
            return new LastAttempt(a.at(), "failure", f.reason().label(), f.phase().label(), f.detail(), seconds(f.elapsed()),
                    f.tls().map(TlsFacts::protocol).orElse(null), f.tls().map(TlsFacts::cipherSuite).orElse(null));
        }
        ProbeResult.Success s = (ProbeResult.Success) a.result();
        return new LastAttempt(a.at(), "success", null, null, null, seconds(s.elapsed()), s.tls().protocol(),
                s.tls().cipherSuite());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
