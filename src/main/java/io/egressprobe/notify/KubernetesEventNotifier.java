package io.egressprobe.notify;

import io.egressprobe.kube.PodEventRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns transitions into Events on the probe's Pod: Warning when an alert fires or changes level,
 * Normal when it resolves, reason = the alert's name. The blocking Kubernetes call runs on a worker,
 * in order; a failing API server is logged once per failure streak and counted, never waited for.
 */
public final class KubernetesEventNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesEventNotifier.class);

    private final Context context;
    private final PodEventRecorder recorder;
    private final NotifierMetrics metrics;
    private boolean failing;

    public KubernetesEventNotifier(Context context, MeterRegistry registry, PodEventRecorder recorder) {
        this.context = context;
        this.recorder = recorder;
        this.metrics = new NotifierMetrics(registry, name());
    }

    @Override
    public String name() {
        return "kubernetes";
    }

    @Override
    public void send(Notification n) {
        var t = n.transition();
        PodEventRecorder.EventSpec spec = new PodEventRecorder.EventSpec(t.isResolve() ? "Normal" : "Warning",
                t.alert().alertName(), (t.isResolve() ? "Resolved: " : t.to().label() + ": ") + n.advice().summary()
                        + ". " + n.advice().description(), n.key());
        context.runOnContext(v -> context.executeBlocking(() -> {
            recorder.record(spec);
            return null;
        }, true).onComplete(ar -> {
            if (ar.succeeded()) {
                metrics.sent.increment();
                if (failing) {
                    LOG.atInfo().log("Kubernetes events are recorded again");
                    failing = false;
                }
            } else {
                metrics.failed.increment();
                if (!failing) {
                    LOG.atWarn().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                            .log("cannot record Kubernetes events: {}", ar.cause().getMessage());
                    failing = true;
                }
            }
        }));
    }
}
