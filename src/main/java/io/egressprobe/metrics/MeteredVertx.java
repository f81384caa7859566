package io.egressprobe.metrics;

import io.egressprobe.config.MetricsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * Vert.x, with its own meters in our registry only where {@code metrics.runtime: full} asks for them, labelled with
 * bounded values only: no remote or local addresses. The net client's are left out even then: every probe is a
 * net-client connection, and our own metrics already say all there is to say about them.
 */
public final class MeteredVertx {
    private MeteredVertx() {}

    public static Vertx create(MeterRegistry registry, MetricsSettings.Runtime runtime) {
        if (runtime == MetricsSettings.Runtime.MINIMAL) {
            return Vertx.vertx();
        }
        return Vertx.builder()
                .with(new VertxOptions().setMetricsOptions(new MicrometerMetricsOptions()
                        .setEnabled(true)
                        .setJvmMetricsEnabled(false)
                        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
                        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
    }
}
