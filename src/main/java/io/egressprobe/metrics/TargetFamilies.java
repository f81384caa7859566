package io.egressprobe.metrics;

import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.window.WindowStats;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.Quantile;
import io.prometheus.metrics.model.snapshots.Quantiles;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The metric families every target shares, one per registry, written straight with the Prometheus client: Micrometer's
 * timers add a {@code _max} series to every histogram (one more per target and node, read by nothing), and cannot
 * express a summary whose quantiles are computed elsewhere (the window's exact ones, Envoy's own).
 */
public final class TargetFamilies {
    /** The quantiles both summaries export, with where the window keeps each. */
    private static final List<Map.Entry<Double, Function<WindowStats.Quantiles, Duration>>> QUANTILES = List.of(
            Map.entry(0.5, WindowStats.Quantiles::p50), Map.entry(0.9, WindowStats.Quantiles::p90),
            Map.entry(0.99, WindowStats.Quantiles::p99), Map.entry(0.999, WindowStats.Quantiles::p999));

    final Histogram upstream;
    final Optional<Histogram> phases;
    private final Map<String, Window> windows = new ConcurrentHashMap<>();
    private final Map<String, Envoy> envoy = new ConcurrentHashMap<>();

    /** One target's window as the summary reads it at scrape time. */
    record Window(String path, Supplier<WindowStats> stats) {}

    /** One target's Envoy quantiles, while the sidecar records them. */
    record Envoy(String path, Supplier<Optional<ClusterStats>> stats) {}

    public TargetFamilies(PrometheusMeterRegistry registry, boolean phaseHistograms) {
        // Classic buckets for every scraper, and a native histogram beside them for one that negotiates protobuf
        // (Prometheus with native histograms on): the text formats carry the classic buckets only, so their series
        // are what they were.
        upstream = Histogram.builder().name(MetricNames.prometheus(MetricNames.UPSTREAM_CONNECT) + "_seconds")
                .help("Upstream connect latency: the quantity Envoy's connect_timeout cuts (cut attempts at their elapsed time)")
                .labelNames(MetricNames.TARGET, MetricNames.PATH).classicUpperBounds(MetricNames.UPSTREAM_BUCKETS)
                .nativeInitialSchema(MetricNames.NATIVE_SCHEMA).nativeMaxNumberOfBuckets(MetricNames.NATIVE_MAX_BUCKETS)
                .nativeMinZeroThreshold(MetricNames.NATIVE_ZERO_THRESHOLD)
                .withoutExemplars().build();
        ExposedRegistry.registerNative(registry, upstream);
        phases = phaseHistograms ? Optional.of(Histogram.builder().name(MetricNames.prometheus(MetricNames.PHASE) + "_seconds")
                .help("Duration of each phase of a probe attempt")
                .labelNames(MetricNames.TARGET, MetricNames.PATH, MetricNames.PHASE_LABEL).classicOnly()
                .classicUpperBounds(MetricNames.PHASE_BUCKETS).withoutExemplars().build()) : Optional.empty();
        phases.ifPresent(histogram -> ExposedRegistry.registerNative(registry, histogram));
        ExposedRegistry.registerNative(registry, (MultiCollector) this::collectSummaries);
    }

    void addWindow(String target, String path, Supplier<WindowStats> stats) {
        windows.put(target, new Window(path, stats));
    }

    void setEnvoy(String target, String path, Supplier<Optional<ClusterStats>> stats) {
        envoy.put(target, new Envoy(path, stats));
    }

    void remove(String target) {
        windows.remove(target);
        envoy.remove(target);
    }

    private MetricSnapshots collectSummaries() {
        SummarySnapshot.Builder window = SummarySnapshot.builder()
                .name(MetricNames.prometheus(MetricNames.UPSTREAM_CONNECT_WINDOW) + "_seconds")
                .help("Upstream connect over the target's sliding window: exact quantiles (nearest rank), count and sum");
        windows.forEach((target, w) -> {
            WindowStats s = w.stats().get();
            Quantiles.Builder q = Quantiles.builder();
            for (var quantile : QUANTILES) {
                q.quantile(new Quantile(quantile.getKey(),
                        s.quantiles().map(quantile.getValue()).map(TargetFamilies::seconds).orElse(Double.NaN)));
            }
            window.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                    .labels(Labels.of(MetricNames.PATH, w.path(), MetricNames.TARGET, target))
                    .quantiles(q.build()).count(s.count()).sum(seconds(s.sum())).build());
        });
        SummarySnapshot.Builder envoyView = SummarySnapshot.builder()
                .name(MetricNames.prometheus(MetricNames.ENVOY_CONNECT) + "_seconds")
                .help("Envoy's own quantiles of upstream_cx_connect_ms for the target's cluster (successes only, since Envoy started)");
        envoy.forEach((target, e) -> e.stats().get().ifPresent(stats -> {
            Quantiles.Builder q = Quantiles.builder();
            for (var quantile : QUANTILES) {
                Duration d = stats.connectQuantiles().get(quantile.getKey());
                q.quantile(new Quantile(quantile.getKey(), d == null ? Double.NaN : seconds(d)));
            }
            envoyView.dataPoint(SummarySnapshot.SummaryDataPointSnapshot.builder()
                    .labels(Labels.of(MetricNames.PATH, e.path(), MetricNames.TARGET, target)).quantiles(q.build()).build());
        }));
        return MetricSnapshots.of(window.build(), envoyView.build());
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
