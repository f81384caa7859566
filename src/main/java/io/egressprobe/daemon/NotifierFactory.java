package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.AlertmanagerNotifier;
import io.egressprobe.notify.KubernetesEventNotifier;
import io.egressprobe.notify.LogNotifier;
import io.egressprobe.notify.Notifier;
import io.egressprobe.notify.WebhookNotifier;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * The notifiers a config asks for: always the log, and Alertmanager, a webhook and Kubernetes Events where set. The
 * Alertmanager notifier resends what the book says fires, from the moment it is built.
 */
record NotifierFactory(Vertx vertx, Context context, MeterRegistry registry, Clock clock, KubernetesAccess kubernetes,
                       String node, AlertBook book) {
    List<Notifier> create(ProbeConfig c) {
        List<Notifier> list = new ArrayList<>();
        list.add(new LogNotifier());
        c.alerting().alertmanagerUrl().ifPresent(url -> list.add(
                new AlertmanagerNotifier(vertx, context, registry, clock, url, c.alerting().alertmanagerResend(), book::firing,
                        c.alerting().externalLabels())));
        c.alerting().webhookUrl().ifPresent(url -> list.add(new WebhookNotifier(vertx, context, registry, url,
                c.alerting().externalLabels())));
        kubernetes.eventPod(c.kubernetes()).ifPresent(pod -> list.add(new KubernetesEventNotifier(context, registry,
                new PodEventRecorder(kubernetes.client(), pod, node, clock))));
        return list;
    }
}
