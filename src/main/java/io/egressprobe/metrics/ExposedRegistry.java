package io.egressprobe.metrics;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.IOException;
import java.io.OutputStream;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The process's registry, which knows the families written with the Prometheus client beside Micrometer's meters, so
 * that {@link TextScrape} can collect those alone and write Micrometer's from the meters themselves: Micrometer's own
 * scrape builds a snapshot and a sorted label set for every series every time (at a thousand targets, ~46,000 series,
 * tens of MB of short-lived objects a scrape, and the full collections they caused).
 */
public final class ExposedRegistry extends PrometheusMeterRegistry {
    private final List<Supplier<MetricSnapshots>> natives = new CopyOnWriteArrayList<>();
    private final TextScrape text;

    ExposedRegistry() {
        super(PrometheusConfig.DEFAULT);
        text = new TextScrape(this, natives);
        // A meter added or removed changes the series: the next scrape derives the lines again.
        config().onMeterAdded(m -> text.changed()).onMeterRemoved(m -> text.changed());
    }

    /** Registers a family written with the Prometheus client, where both scrapes find it. */
    static void registerNative(PrometheusMeterRegistry registry, Collector collector) {
        registry.getPrometheusRegistry().register(collector);
        if (registry instanceof ExposedRegistry exposed) {
            exposed.natives.add(() -> MetricSnapshots.of(collector.collect()));
        }
    }

    /** As {@link #registerNative(PrometheusMeterRegistry, Collector)}, for several families at once. */
    static void registerNative(PrometheusMeterRegistry registry, MultiCollector collector) {
        registry.getPrometheusRegistry().register(collector);
        if (registry instanceof ExposedRegistry exposed) {
            exposed.natives.add(collector::collect);
        }
    }

    /** Whether the last text scrape was written from the meters rather than by the library. */
    boolean wroteFromMeters() {
        return text.fromMeters();
    }

    /** The family that keeps scrapes on the library's way, empty for none. */
    String unplaced() {
        return text.unplaced();
    }

    /**
     * The Prometheus text format (0.0.4), the same series, HELP, TYPE and order as {@link #scrape(OutputStream)}
     * writes. Any registry works; only this one takes the fast path.
     */
    public static void writeText(PrometheusMeterRegistry registry, OutputStream out) throws IOException {
        if (registry instanceof ExposedRegistry exposed) {
            exposed.text.write(out);
        } else {
            registry.scrape(out);
        }
    }
}
