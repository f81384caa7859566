package io.egressprobe.notify;

import io.egressprobe.metrics.MetricNames;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Delivery counters of one notifier: a receiver that is down shows here, not only in the log. */
final class NotifierMetrics {
    final Counter sent;
    final Counter failed;
    final Counter dropped;

    NotifierMetrics(MeterRegistry registry, String notifier) {
        sent = Counter.builder(MetricNames.NOTIFICATIONS_SENT).description("Notifications delivered")
                .tag(MetricNames.NOTIFIER, notifier).register(registry);
        failed = Counter.builder(MetricNames.NOTIFICATIONS_FAILED).description("Delivery attempts that failed (retried)")
                .tag(MetricNames.NOTIFIER, notifier).register(registry);
        dropped = Counter.builder(MetricNames.NOTIFICATIONS_DROPPED)
                .description("Notifications given up because the queue was full").tag(MetricNames.NOTIFIER, notifier).register(registry);
    }
}
