package io.egressprobe.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.LongConsumer;

/**
 * How late probe attempts start against their plan, over all targets (one series, whatever the
 * number of targets). A growing lag means the event loops are saturated, and every phase measured
 * after it carries that delay too.
 */
public final class ScheduleLag {
    private static final Duration[] BUCKETS = {Duration.ofNanos(500_000), Duration.ofMillis(1), Duration.ofMillis(2),
            Duration.ofMillis(3), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofSeconds(1)};

    private ScheduleLag() {}

    public static LongConsumer register(MeterRegistry registry) {
        Timer timer = Timer.builder(MetricNames.SCHEDULE_LAG)
                .description("Delay between the planned and the actual start of a probe attempt")
                .serviceLevelObjectives(BUCKETS)
                .register(registry);
        return nanos -> timer.record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }
}
