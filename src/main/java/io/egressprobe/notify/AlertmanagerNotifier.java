package io.egressprobe.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Sends alerts to Alertmanager's v2 API as Prometheus does: every firing alert again every
 * {@code resend} with {@code endsAt} four resends ahead (so Alertmanager resolves it by itself if this
 * probe dies), and a resolved alert once with {@code endsAt} = now.
 */
public final class AlertmanagerNotifier implements Notifier {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final Duration resend;
    private final RetryingPoster poster;
    private final Map<String, Notification> firing = new LinkedHashMap<>();
    private final long resendTimer;

    public AlertmanagerNotifier(Vertx vertx, Context context, MeterRegistry registry, Clock clock, URI baseUrl,
                                Duration resend) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.resend = resend;
        this.poster = new RetryingPoster(vertx, context, registry, name(), alertsUrl(baseUrl));
        this.resendTimer = vertx.setPeriodic(resend.toMillis(), id -> context.runOnContext(v -> resendFiring()));
    }

    static URI alertsUrl(URI base) {
        String s = base.toString();
        return URI.create((s.endsWith("/") ? s : s + "/") + "api/v2/alerts");
    }

    @Override
    public String name() {
        return "alertmanager";
    }

    @Override
    public void send(Notification n) {
        context.runOnContext(v -> {
            Notification previous = n.transition().isResolve() ? firing.remove(n.key()) : firing.put(n.key(), n);
            // Alertmanager tells alerts apart by their labels, severity included: a level change ends
            // the instance at the old severity rather than leaving it to expire.
            if (previous != null && previous.severity() != n.severity()) {
                poster.post(deliveryKey(previous), body(previous, true));
            }
            poster.post(deliveryKey(n), body(n, n.transition().isResolve()));
        });
    }

    private static String deliveryKey(Notification n) {
        return n.key() + "/" + n.severity().label();
    }

    private void resendFiring() {
        firing.values().forEach(n -> poster.post(deliveryKey(n), body(n, false)));
    }

    private Buffer body(Notification n, boolean resolved) {
        Instant now = clock.instant();
        ArrayNode alerts = JSON.createArrayNode();
        ObjectNode alert = alerts.addObject();
        ObjectNode labels = alert.putObject("labels");
        labels.put("alertname", n.transition().alert().alertName());
        labels.put("severity", n.severity().label());
        labels.put("target", n.transition().target());
        labels.put("host", n.host());
        labels.put("node", n.node());
        ObjectNode annotations = alert.putObject("annotations");
        annotations.put("summary", n.advice().summary());
        annotations.put("description", n.advice().description());
        annotations.put("recommendation", n.advice().recommendation());
        alert.put("startsAt", (n.transition().isResolve() ? n.transition().since() : n.transition().at()).toString());
        alert.put("endsAt", (resolved ? now : now.plus(resend.multipliedBy(4))).toString());
        return Buffer.buffer(alerts.toString());
    }

    @Override
    public Future<Void> close() {
        vertx.cancelTimer(resendTimer);
        return poster.close();
    }
}
