package io.egressprobe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;

/** Whether the last reload worked, and when one last did: a bad file is visible, not just logged. */
public final class ConfigMetrics {
    private final Clock clock;
    private final AtomicLong lastSuccessful = new AtomicLong(1);
    private final AtomicLong lastSuccessMillis = new AtomicLong();

    public ConfigMetrics(MeterRegistry registry, Clock clock) {
        this.clock = clock;
        Gauge.builder(MetricNames.CONFIG_RELOAD_SUCCESSFUL, lastSuccessful, AtomicLong::get)
                .description("Whether the last config (re)load succeeded (1) or kept the previous config (0)")
                .register(registry);
        Gauge.builder(MetricNames.CONFIG_RELOAD_SUCCESS_TIME, lastSuccessMillis, v -> v.get() / 1000.0)
                .description("Unix time of the last successful config load")
                .baseUnit("seconds")
                .register(registry);
    }

    public void succeeded() {
        lastSuccessful.set(1);
        lastSuccessMillis.set(clock.millis());
    }

    public void failed() {
        lastSuccessful.set(0);
    }
}
