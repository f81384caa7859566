package io.egressprobe.cli;

import io.egressprobe.config.Thresholds;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** What {@code check} found: built from the attempts alone, so every number can be tested. */
record CheckReport(String host, int port, String sni, String path, String tlsEngine, int attempts, int successes,
                   Map<String, PhaseSummary> phases, WindowStats upstream, Map<String, Integer> failures,
                   Level level, String verdict) {

    enum Level {
        OK(Main.OK), WARNING(Main.WARNING), CRITICAL(Main.CRITICAL), FAILED(Main.COULD_NOT_PROBE);

        final int exitCode;

        Level(int exitCode) {
            this.exitCode = exitCode;
        }
    }

    record PhaseSummary(int count, Duration p50, Duration p90, Duration p99, Duration max) {}

    static CheckReport of(String host, int port, String sni, String tlsEngine, List<ProbeResult> results,
                          EffectiveTimeout timeout, Thresholds thresholds, int toleratedSynLosses) {
        Map<Phase, long[]> byPhase = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            byPhase.put(p, results.stream().flatMap(r -> (p == Phase.TOTAL ? java.util.Optional.of(r.elapsed())
                    : r.timings().get(p)).stream()).mapToLong(Duration::toNanos).sorted().toArray());
        }
        Map<String, PhaseSummary> phases = new java.util.LinkedHashMap<>();
        byPhase.forEach((p, v) -> {
            if (v.length > 0) {
                phases.put(p.label(), new PhaseSummary(v.length, WindowStatistics.quantile(v, 0.5),
                        WindowStatistics.quantile(v, 0.9), WindowStatistics.quantile(v, 0.99), Duration.ofNanos(v[v.length - 1])));
            }
        });
        // A window that holds every attempt: check judges the whole run.
        SampleWindow window = new SampleWindow(Clock.fixed(Instant.EPOCH, ZoneOffset.UTC), Duration.ofDays(1), results.size() + 1);
        results.forEach(r -> UpstreamSample.of(r, ProbePath.DIRECT).ifPresent(window::record));
        WindowStats stats = WindowStatistics.compute(window.snapshot(), timeout, toleratedSynLosses);
        Map<String, Integer> failures = new TreeMap<>();
        int successes = 0;
        for (ProbeResult r : results) {
            if (r instanceof ProbeResult.Failure f) {
                failures.merge(f.reason().label(), 1, Integer::sum);
            } else {
                successes++;
            }
        }
        Level level = level(successes, stats, thresholds);
        return new CheckReport(host, port, sni, ProbePath.DIRECT.label(), tlsEngine, results.size(), successes, phases,
                stats, failures, level, verdict(level, results.size(), failures, stats));
    }

    private static Level level(int successes, WindowStats stats, Thresholds thresholds) {
        if (successes == 0) {
            return Level.FAILED;
        }
        if (stats.exceededCount() > 0 || stats.utilization() >= thresholds.critical()) {
            return Level.CRITICAL;
        }
        return stats.utilization() >= thresholds.warning() ? Level.WARNING : Level.OK;
    }

    private static String verdict(Level level, int attempts, Map<String, Integer> failures, WindowStats s) {
        String timeout = Text.duration(s.timeout().value()) + " connect timeout (" + s.timeout().source().label() + ")";
        String advice = s.recommendation().map(r -> "; recommended timeout " + Text.duration(r.timeout())
                + (r.beyondLargest() ? " (even that is too short: look at the network)" : "")).orElse("");
        return switch (level) {
            case FAILED -> "FAILED: no attempt succeeded (" + failures + ")";
            case CRITICAL -> s.exceededCount() > 0
                    ? "CRITICAL: " + s.exceededCount() + " of " + s.count() + " connects reached the " + timeout
                            + ": Envoy would have reset them" + advice
                    : "CRITICAL: p99 upstream connect " + Text.duration(s.quantiles().orElseThrow().p99()) + " is "
                            + Text.percent(s.utilization()) + " of the " + timeout + advice;
            case WARNING -> "WARNING: p99 upstream connect " + Text.duration(s.quantiles().orElseThrow().p99()) + " is "
                    + Text.percent(s.utilization()) + " of the " + timeout + advice;
            case OK -> "OK: p99 upstream connect " + Text.duration(s.quantiles().orElseThrow().p99()) + " is "
                    + Text.percent(s.utilization()) + " of the " + timeout + advice
                    + (failures.isEmpty() ? "" : "; " + (attempts - failures.values().stream().mapToInt(i -> i).sum())
                            + " of " + attempts + " attempts succeeded");
        };
    }
}
