package io.egressprobe.metrics;

import io.egressprobe.measure.ProbePath;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Histogram;
import java.util.function.LongConsumer;

/**
 * How late probe attempts start against their plan, over all targets (one series, whatever the
 * number of targets). A growing lag means the event loops are saturated, and every phase measured
 * after it carries that delay too.
 */
public final class ScheduleLag {
    private static final double[] BUCKETS = {0.0005, 0.001, 0.002, 0.003, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1};

    private ScheduleLag() {}

    /** Labelled with the pod's path, as every series it exports. */
    public static LongConsumer register(PrometheusMeterRegistry registry, ProbePath path) {
        Histogram family = Histogram.builder().name(MetricNames.prometheus(MetricNames.SCHEDULE_LAG) + "_seconds")
                .help("Delay between the planned and the actual start of a probe attempt").labelNames(MetricNames.PATH)
                .classicOnly().classicUpperBounds(BUCKETS).withoutExemplars().build();
        ExposedRegistry.registerNative(registry, family);
        DistributionDataPoint histogram = family.labelValues(path.label());
        return nanos -> histogram.observe(Math.max(0, nanos) / 1e9);
    }
}
