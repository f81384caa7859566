package io.egressprobe.cli;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.alert.AlertLevels;
import io.egressprobe.target.TargetCore;
import io.egressprobe.target.TargetSnapshot;
import io.egressprobe.alert.Advice;
import io.egressprobe.config.Thresholds;
import io.egressprobe.measure.CertificateProblem;
import io.egressprobe.measure.ClientCertificateProblem;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Measurement;
import io.egressprobe.config.MetricsSettings;
import io.egressprobe.route.Destination;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.route.Route;
import io.egressprobe.route.UpstreamPick;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.EnumMap;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What {@code check} found: built from the attempts alone, so every number can be tested. */
record CheckReport(String host, int port, String sni, ProbePath path, Route route, List<AddressWindow.Stats> addresses,
                   String tlsEngine, String transport, int attempts,
                   int successes,
                   Map<String, PhaseSummary> phases, WindowStats upstream, Map<String, Integer> failures,
                   Level level, String verdict, ConnectLatency latency) {

    /** Failures in which nothing answered: no server was reached, so there is no latency to judge. */
    private static final Set<FailureReason> NOTHING_REACHED =
            EnumSet.of(FailureReason.DNS, FailureReason.REFUSED, FailureReason.UNREACHABLE, FailureReason.CONNECT_TIMEOUT);

    enum Level {
        OK(Main.OK), WARNING(Main.WARNING), CRITICAL(Main.CRITICAL), FAILED(Main.COULD_NOT_PROBE);

        final int exitCode;

        Level(int exitCode) {
            this.exitCode = exitCode;
        }

        /** The highest of the daemon's alerts on the run, as its exit code says it. */
        static Level of(AlertLevels levels) {
            return values()[levels.highest()];
        }
    }

    record PhaseSummary(int count, Duration p50, Duration p90, Duration p99, Duration max) {}

    /**
     * @param path the path the attempts took: on the sidecar path the upstream connect is the time to ServerHello,
     *             and a reset at about the timeout is Envoy's cut, a censored sample, as the daemon measures them
     */
    static CheckReport of(String host, int port, String sni, ProbePath path, String tlsEngine, String transport,
                          List<ProbeResult> results, EffectiveTimeout timeout, Thresholds thresholds, int toleratedSynLosses) {
        return of(host, port, sni, path, tlsEngine, transport, results, Set.of(), Route.single(timeout), thresholds,
                toleratedSynLosses);
    }

    /**
     * @param ownPaused the attempts (by index) timed across a pause of this JVM's collector: as the daemon does, their
     *                  completed connects are left out of the quantiles
     * @param route     the hops the attempts went through: a cut is the hop's whose timeout it matches
     */
    static CheckReport of(String host, int port, String sni, ProbePath path, String tlsEngine, String transport,
                          List<ProbeResult> results, Set<Integer> ownPaused, Route route, Thresholds thresholds,
                          int toleratedSynLosses) {
        return of(host, port, sni, path, tlsEngine, transport, results, ownPaused, route, thresholds, toleratedSynLosses,
                Optional.empty());
    }

    /**
     * @param envoy the sidecar's own {@code upstream_cx_connect_ms} over the run (its cumulative buckets read before and
     *              after, differenced), where read: the latency is judged on it as the daemon judges ({@link ConnectLatency})
     */
    static CheckReport of(String host, int port, String sni, ProbePath path, String tlsEngine, String transport,
                          List<ProbeResult> results, Set<Integer> ownPaused, Route route, Thresholds thresholds,
                          int toleratedSynLosses, Optional<EnvoyConnectWindow.Stats> envoy) {
        EffectiveTimeout timeout = route.timeout();
        Map<Phase, long[]> byPhase = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            byPhase.put(p, results.stream().flatMap(r -> (p == Phase.TOTAL ? Optional.of(r.elapsed())
                    : r.timings().get(p)).stream()).mapToLong(Duration::toNanos).sorted().toArray());
        }
        Map<String, PhaseSummary> phases = new LinkedHashMap<>();
        byPhase.forEach((p, v) -> {
            if (v.length > 0) {
                phases.put(p.label(), new PhaseSummary(v.length, WindowStatistics.quantile(v, 0.5),
                        WindowStatistics.quantile(v, 0.9), WindowStatistics.quantile(v, 0.99), Duration.ofNanos(v[v.length - 1])));
            }
        });
        // The run goes through a target's core, as the daemon's attempts do: the same window, failures, cuts and lost-SYN
        // judgements, the same statistics, and the same evaluator's judgement. Its window holds every attempt: check
        // judges the whole run, with minSamples 1 (the run is the size the user asked for) and no `for` to wait out.
        TargetCore core = TargetCore.forRun(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC),
                new Target("check", host, port, sni, TlsSettings.DEFAULT, Optional.empty(), settings(thresholds,
                        toleratedSynLosses), Map.of()),
                path, MetricsSettings.DEFAULT_ADDRESSES, results.size());
        core.setTimeout(timeout);
        core.setEnvoyConnects(route, envoy);
        List<ProbeResult.Failure> failed = new ArrayList<>();
        for (int i = 0; i < results.size(); i++) {
            ProbeResult r = results.get(i);
            Measurement m = route.measure(r, path);
            core.record(m.result(), m.upstream(), ownPaused.contains(i),
                    m.cutBy().stream().mapToObj(hop -> route.hops().get(hop).kind()).findFirst());
            if (m.result() instanceof ProbeResult.Failure) {
                failed.add((ProbeResult.Failure) r);
            }
        }
        TargetSnapshot snapshot = core.snapshot();
        // As the daemon counts them: a reset at the sidecar's timeout is envoy_connect_timeout.
        Map<String, Integer> failures = new TreeMap<>();
        snapshot.failureCounts().forEach((reason, n) -> failures.put(reason, n.intValue()));
        WindowStats stats = snapshot.stats();
        // By address only where the dialed address is the upstream's (the daemon's rule: UpstreamPick).
        List<AddressWindow.Stats> byAddress = UpstreamPick.addressesAreUpstreams(path == ProbePath.DIRECT, route.upstreamPick())
                ? core.addresses() : List.of();
        // What the latency is judged on, as the daemon chooses it (ConnectLatency): the core judged on it just below.
        ConnectLatency latency = snapshot.latency();
        Level level = route.fault().isPresent() ? Level.CRITICAL
                : couldNotProbe(failed, results.size()) ? Level.FAILED : Level.of(core.judgeNow());
        String verdict = route.fault().isPresent()
                ? "CRITICAL: " + route.fault().get().advice(new Destination(host, port))
                : level == Level.FAILED ? couldNotProbe(host, port, failed, stats)
                : verdict(level, host, port, path, results.size(), failed, stats, route, byAddress, latency);
        return new CheckReport(host, port, sni, path, route, byAddress, tlsEngine, transport, results.size(),
                results.size() - failed.size(), phases, stats, failures, level, verdict, latency);
    }

    /** The daemon's settings for a one-shot run: its thresholds and tolerated losses, every attempt judged, no wait. */
    private static ProbeSettings settings(Thresholds thresholds, int toleratedSynLosses) {
        ProbeSettings d = ProbeSettings.BUILT_IN;
        return new ProbeSettings(d.interval(), d.probeTimeout(), d.window(), d.envoyConnectTimeout(), thresholds, 1,
                Duration.ZERO, toleratedSynLosses, d.ipFamily());
    }

    /** Nothing reached a server: there is no latency to judge, and check says so with its own exit code. */
    private static boolean couldNotProbe(List<ProbeResult.Failure> failed, int attempts) {
        return !failed.isEmpty() && failed.size() == attempts
                && failed.stream().allMatch(f -> NOTHING_REACHED.contains(f.reason()));
    }

    private static String couldNotProbe(String host, int port, List<ProbeResult.Failure> failed, WindowStats s) {
        FailureReason reason = s.attempts().dominantReason().orElseThrow();
        return "COULD NOT PROBE: no attempt reached a server (" + s.attempts().failuresInWords() + "); last error: "
                + failed.get(failed.size() - 1).detail() + "\n" + Advice.hint(reason, host, port,
                Optional.of(failed.get(failed.size() - 1).detail()), Advice.Settings.CHECK_FLAGS);
    }

    /**
     * The judgement in words: the level is the daemon's evaluator's ({@link TargetCore#judgeNow}); this names what the
     * run found. Every failure is named, whatever the level.
     */
    private static String verdict(Level level, String host, int port, ProbePath path, int attempts,
                                  List<ProbeResult.Failure> failed, WindowStats s, Route route,
                                  List<AddressWindow.Stats> addresses, ConnectLatency latency) {
        // A completed connect at or beyond the timeout would have been cut by Envoy: counted with the failures.
        int completedBeyond = s.exceededCount() - s.censoredCount();
        int problems = failed.size() + completedBeyond;
        double share = (double) problems / attempts;
        long handshakeBreaks = failed.stream().filter(CheckReport::isHandshakeBreak).count();
        double u = s.count() == 0 ? 0 : s.utilization();
        List<String> findings = new ArrayList<>();
        if (s.exceededCount() > 0) {
            long envoyCuts = failed.stream().filter(f -> Measurement.isEnvoyCut(f, s.timeout().value())).count();
            boolean sidecar = path != ProbePath.DIRECT;
            findings.add(s.exceededCount() + " of " + s.count() + " connects reached the " + timeoutText(s)
                    + (s.censoredCount() > 0 ? " (" + s.censoredCount() + (sidecar && envoyCuts > 0 ? " cut by the sidecar"
                    : " cut by the probe's deadline") + ")" : "")
                    + (sidecar && envoyCuts > 0 ? "" : ": Envoy would have reset them"));
        }
        if (handshakeBreaks > 0) {
            findings.add(handshakeBreaks(failed, handshakeBreaks, attempts, s.timeout().value()));
        }
        List<ProbeResult.Failure> others = failed.stream().filter(f -> !f.reason().isTimeout() && !isHandshakeBreak(f)).toList();
        if (!others.isEmpty()) {
            findings.add(others.size() + " of " + attempts + " attempts failed: " + others.stream()
                    .collect(Collectors.groupingBy(f -> f.reason().label(), TreeMap::new, Collectors.counting()))
                    .entrySet().stream().map(e -> e.getKey() + " " + e.getValue()).collect(Collectors.joining(", "))
                    + "; last: " + others.get(others.size() - 1).detail() + certificateHint(others, host, port));
        }
        if (s.quantiles().isPresent()) {
            findings.add("p99 upstream connect " + (path != ProbePath.DIRECT ? "(" + path.upstreamMeasure() + ") " : "")
                    + Text.duration(s.quantiles().get().p99())
                    // Said where it moves the number: one sample slower than the rest is then "p99".
                    + (s.isMaximum(0.99) && s.quantiles().get().p99().compareTo(s.quantiles().get().p90()) > 0 ? " (the slowest of only " + s.count() + " samples: p99 is their maximum below 100)" : "")
                    + " is " + Text.percent(u)
                    + " of the " + timeoutText(s) + (s.pathFault().isPresent() ? ""
                    : s.recommendation().map(r -> "; recommended timeout " + Text.duration(r.timeout())
                    + (r.beyondLargest() ? " (even that is too short: look at the network)" : "")).orElse("")));
        }
        if (latency.basis() == ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS) {
            findings.add("judged on envoy_upstream_cx_connect_ms: the sidecar's own p99 connect "
                    + Text.duration(latency.p99().orElseThrow()) + " over its " + latency.samples()
                    + " connects to the cluster during the run is " + Text.percent(latency.utilization()) + " of the " + timeoutText(s)
                    + " (the time to ServerHello adds a round trip and the server's handshake: its p99 is the upper bound)");
        }
        // The same words as the daemon's alert: a path fault is fixed on the path, never by a longer timeout.
        s.pathFault().ifPresent(f -> findings.add(Advice.recommendation(s, route, host, port, addresses)));
        String head = level.name() + (problems > 0 ? " (" + Text.percent(share) + " of " + attempts + " attempts failed or"
                + " would have been cut)" : "") + ": ";
        return head + String.join("; ", findings);
    }

    /** A reset or close during the TLS handshake: the symptom users come with. */
    private static boolean isHandshakeBreak(ProbeResult.Failure f) {
        return f.phase() == Phase.TLS && (f.reason() == FailureReason.RESET || f.reason() == FailureReason.CLOSED);
    }

    /** Resets and closes in the handshake: at about the timeout they are the symptom of Envoy's cut. */
    private static String handshakeBreaks(List<ProbeResult.Failure> failed, long n, int attempts, Duration timeout) {
        long atTimeout = failed.stream().filter(f -> Measurement.isEnvoyCut(f, timeout)).count();
        String text = n + " of " + attempts + " attempts were reset or closed during the TLS handshake";
        if (atTimeout == n) {
            return text + ", each about " + Text.duration(timeout) + " after it began: the connection reset users see"
                    + " when Envoy cuts the upstream connect at its connect timeout (UF,URX)";
        }
        return text + (atTimeout > 0 ? " (" + atTimeout + " of them at about the " + Text.duration(timeout)
                + " timeout, as when Envoy cuts the upstream connect)" : "");
    }

    /** The server's certificate: which check and check's flags; the client certificate: what the daemon's advice says, in flags. */
    private static String certificateHint(List<ProbeResult.Failure> failures, String host, int port) {
        return failures.stream().filter(f -> f.reason() == FailureReason.TLS_CERTIFICATE).reduce((a, b) -> b)
                .map(f -> ClientCertificateProblem.of(f.detail()).isPresent()
                        ? "\n" + Advice.hint(FailureReason.TLS_CERTIFICATE, host, port, Optional.of(f.detail()), Advice.Settings.CHECK_FLAGS)
                        : " (" + CertificateProblem.of(f.detail()).orElse("the certificate failed verification")
                        + "; a private CA: --ca-file PEM; to skip verification: --insecure)")
                .orElse("");
    }

    private static String timeoutText(WindowStats s) {
        return Text.duration(s.timeout().value()) + " connect timeout (" + s.timeout().source().label() + ")";
    }
}
