package io.egressprobe.notify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.support.JsonOutput;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.function.Supplier;

/**
 * Sends alerts to Alertmanager's v2 API as Prometheus does: every firing alert again every
 * {@code resend} with {@code endsAt} four resends ahead (so Alertmanager resolves it by itself if this
 * probe dies), and a resolved alert once with {@code endsAt} = now. What fires is the alert book's, read at each
 * resend: this notifier keeps no copy, and one built by a reload sends the book's firing alerts at once.
 */
public final class AlertmanagerNotifier implements Notifier {
    private static final ObjectMapper JSON = JsonOutput.mapper();

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final Duration resend;
    private final RetryingPoster poster;
    private final Supplier<Collection<Notification>> firing;
    private final long resendTimer;

    public AlertmanagerNotifier(Vertx vertx, Context context, MeterRegistry registry, Clock clock, URI baseUrl,
                                Duration resend, Supplier<Collection<Notification>> firing) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.resend = resend;
        this.firing = firing;
        this.poster = new RetryingPoster(vertx, context, registry, name(), alertsUrl(baseUrl));
        this.resendTimer = vertx.setPeriodic(resend.toMillis(), id -> context.runOnContext(v -> resendFiring()));
        context.runOnContext(v -> resendFiring());
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
        Transition t = n.transition();
        // Alertmanager tells alerts apart by their labels, severity included: a level change ends
        // the instance at the old severity rather than leaving it to expire.
        if (t.from() != Level.OK && t.to() != Level.OK) {
            poster.post(deliveryKey(n, t.from()), body(n, t.from(), t.since(), true));
        }
        poster.post(deliveryKey(n, n.severity()), body(n, n.severity(), t.isResolve() ? t.since() : t.at(), t.isResolve()));
    }

    private static String deliveryKey(Notification n, Level severity) {
        return n.key() + "/" + severity.label();
    }

    private void resendFiring() {
        firing.get().forEach(n -> poster.post(deliveryKey(n, n.severity()), body(n, n.severity(), n.transition().at(), false)));
    }

    private Buffer body(Notification n, Level severity, Instant startsAt, boolean resolved) {
        Instant now = clock.instant();
        ArrayNode alerts = JSON.createArrayNode();
        ObjectNode alert = alerts.addObject();
        ObjectNode labels = alert.putObject("labels");
        n.labels(severity).forEach(labels::put);
        ObjectNode annotations = alert.putObject("annotations");
        n.annotations().forEach(annotations::put);
        alert.put("startsAt", startsAt.toString());
        alert.put("endsAt", (resolved ? now : now.plus(resend.multipliedBy(4))).toString());
        return Buffer.buffer(alerts.toString());
    }

    @Override
    public Future<Void> close() {
        vertx.cancelTimer(resendTimer);
        return poster.close();
    }
}
