package io.egressprobe.notify;

import io.egressprobe.kube.PodEventRecorder;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    /** Sent and not yet recorded (or failed), by alert: the newest transition of each; confined to {@code context}. */
    private final Map<String, Notification> pending = new LinkedHashMap<>();
    private volatile List<Notification> undelivered = List.of();

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
    public List<Notification> undelivered() {
        return undelivered;
    }

    @Override
    public void adopt(List<Notification> earlier) {
        context.runOnContext(v -> earlier.forEach(n -> {
            if (!pending.containsKey(n.key())) {
                send(n);
            }
        }));
    }

    @Override
    public void send(Notification n) {
        context.runOnContext(v -> {
            pending.put(n.key(), n);
            undelivered = List.copyOf(pending.values());
        });
        var t = n.transition();
        PodEventRecorder.EventSpec spec = new PodEventRecorder.EventSpec(t.isResolve() ? "Normal" : "Warning",
                t.alert().alertName(), (t.isResolve() ? "Resolved: " : t.to().label() + ": ") + n.advice().summary()
                        + ". " + n.advice().description(), n.key());
        context.runOnContext(v -> context.executeBlocking(() -> {
            recorder.record(spec);
            return null;
        }, true).onComplete(ar -> {
            if (ar.succeeded()) {
                // A failed one stays pending: a reload's successor, or the next run, records it.
                if (pending.remove(n.key(), n)) {
                    undelivered = List.copyOf(pending.values());
                }
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
