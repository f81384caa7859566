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
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Sends alerts to Alertmanager's v2 API as Prometheus does: every firing alert again every
 * {@code resend} with {@code endsAt} four resends ahead (so Alertmanager resolves it by itself if this
 * probe dies), and a resolved alert once with {@code endsAt} = now. What fires is the alert book's, read at each
 * resend: this notifier keeps no copy, and one built by a reload sends the book's firing alerts at once. Every alert
 * carries the configured external labels after its own, as Prometheus adds its external labels to the rules' alerts:
 * with the same set Alertmanager takes both senders' alerts for one.
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
    private final Map<String, String> externalLabels;

    public AlertmanagerNotifier(Vertx vertx, Context context, MeterRegistry registry, Clock clock, URI baseUrl,
                                Duration resend, Supplier<Collection<Notification>> firing) {
        this(vertx, context, registry, clock, baseUrl, resend, firing, Map.of());
    }

    public AlertmanagerNotifier(Vertx vertx, Context context, MeterRegistry registry, Clock clock, URI baseUrl,
                                Duration resend, Supplier<Collection<Notification>> firing,
                                Map<String, String> externalLabels) {
        this.externalLabels = Map.copyOf(externalLabels);
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
        deliveries(n).forEach(p -> poster.post(p.key(), p.notification(), p.body()));
    }

    @Override
    public void adopt(List<Notification> undelivered) {
        poster.adopt(undelivered.stream().flatMap(n -> deliveries(n).stream()).toList());
    }

    @Override
    public List<Notification> undelivered() {
        return poster.undelivered();
    }

    private List<RetryingPoster.Pending> deliveries(Notification n) {
        Transition t = n.transition();
        List<RetryingPoster.Pending> out = new ArrayList<>(2);
        // Alertmanager tells alerts apart by their labels, severity included: a level change ends
        // the instance at the old severity rather than leaving it to expire.
        if (t.from() != Level.OK && t.to() != Level.OK) {
            out.add(new RetryingPoster.Pending(deliveryKey(n, t.from()), n, body(n, t.from(), t.since(), true)));
        }
        out.add(new RetryingPoster.Pending(deliveryKey(n, n.severity()), n,
                body(n, n.severity(), t.isResolve() ? t.since() : t.at(), t.isResolve())));
        return out;
    }

    private static String deliveryKey(Notification n, Level severity) {
        return n.key() + "/" + severity.label();
    }

    private void resendFiring() {
        firing.get().forEach(n -> poster.post(deliveryKey(n, n.severity()), n, body(n, n.severity(), n.transition().at(), false)));
    }

    private Buffer body(Notification n, Level severity, Instant startsAt, boolean resolved) {
        Instant now = clock.instant();
        ArrayNode alerts = JSON.createArrayNode();
        ObjectNode alert = alerts.addObject();
        ObjectNode labels = alert.putObject("labels");
        n.labels(severity).forEach(labels::put);
        externalLabels.forEach(labels::put);
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
