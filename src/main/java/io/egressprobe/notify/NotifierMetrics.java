package io.egressprobe.notify;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/** Delivery counters of one notifier: a receiver that is down shows here, not only in the log. */
final class NotifierMetrics {
    final Counter sent;
    final Counter failed;
    final Counter dropped;

    NotifierMetrics(MeterRegistry registry, String notifier) {
        sent = Counter.builder("egress.probe.notifications.sent").description("Notifications delivered")
                .tag("notifier", notifier).register(registry);
        failed = Counter.builder("egress.probe.notifications.failed").description("Delivery attempts that failed (retried)")
                .tag("notifier", notifier).register(registry);
        dropped = Counter.builder("egress.probe.notifications.dropped")
                .description("Notifications given up because the queue was full").tag("notifier", notifier).register(registry);
    }
}
