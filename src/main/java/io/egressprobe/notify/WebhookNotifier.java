package io.egressprobe.notify;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.egressprobe.alert.Transition;
import io.egressprobe.support.JsonOutput;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import java.net.URI;
import java.util.List;
import java.util.Map;

/**
 * POSTs one JSON document per transition (format in the README, "Webhook"), with the same retry
 * policy as the Alertmanager notifier.
 */
public final class WebhookNotifier implements Notifier {
    /** Absent numbers are left out, not null. */
    private static final ObjectMapper JSON = JsonOutput.mapper().setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

    private final RetryingPoster poster;
    private final Map<String, String> externalLabels;

    public WebhookNotifier(Vertx vertx, Context context, MeterRegistry registry, URI url) {
        this(vertx, context, registry, url, Map.of());
    }

    /** @param externalLabels added to each transition's {@code labels}, as Alertmanager's receivers see them */
    public WebhookNotifier(Vertx vertx, Context context, MeterRegistry registry, URI url, Map<String, String> externalLabels) {
        this.poster = new RetryingPoster(vertx, context, registry, name(), url);
        this.externalLabels = Map.copyOf(externalLabels);
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public void send(Notification n) {
        RetryingPoster.Pending p = delivery(n);
        poster.post(p.key(), n, p.body());
    }

    @Override
    public void adopt(List<Notification> undelivered) {
        poster.adopt(undelivered.stream().map(this::delivery).toList());
    }

    @Override
    public List<Notification> undelivered() {
        return poster.undelivered();
    }

    private RetryingPoster.Pending delivery(Notification n) {
        // Every transition is delivered, so the key is unique per transition, not per alert.
        ObjectNode body = body(n);
        if (!externalLabels.isEmpty()) {
            externalLabels.forEach(((ObjectNode) body.get("labels"))::put);
        }
        return new RetryingPoster.Pending(n.key() + "@" + n.transition().at(), n, Buffer.buffer(body.toString()));
    }

    static ObjectNode body(Notification n) {
        Transition t = n.transition();
        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1");
        root.put("alertname", t.alert().alertName());
        root.put("status", t.isResolve() ? "resolved" : "firing");
        root.put("from", t.from().label());
        root.put("to", t.to().label());
        root.put("severity", n.severity().label());
        root.put("target", t.target());
        root.put("host", n.host());
        root.put("port", n.port());
        root.put("node", n.node());
        root.put("path", n.path().label());
        root.put("at", t.at().toString());
        root.put("since", t.since().toString());
        root.put("summary", n.advice().summary());
        root.put("description", n.advice().description());
        root.put("recommendation", n.advice().recommendation());
        root.put("runbookUrl", n.runbookUrl().toString());
        root.set("labels", JSON.valueToTree(n.labels()));
        root.set("annotations", JSON.valueToTree(n.annotations()));
        root.set("window", JSON.valueToTree(n.window()));
        return root;
    }

    @Override
    public Future<Void> close() {
        return poster.close();
    }
}
