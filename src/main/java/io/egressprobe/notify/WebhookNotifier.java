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

/**
 * POSTs one JSON document per transition (format in the README, "Webhook"), with the same retry
 * policy as the Alertmanager notifier.
 */
public final class WebhookNotifier implements Notifier {
    /** Absent numbers are left out, not null. */
    private static final ObjectMapper JSON = JsonOutput.mapper().setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);

    private final RetryingPoster poster;

    public WebhookNotifier(Vertx vertx, Context context, MeterRegistry registry, URI url) {
        this.poster = new RetryingPoster(vertx, context, registry, name(), url);
    }

    @Override
    public String name() {
        return "webhook";
    }

    @Override
    public void send(Notification n) {
        // Every transition is delivered, so the key is unique per transition, not per alert.
        poster.post(n.key() + "@" + n.transition().at(), Buffer.buffer(body(n).toString()));
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
        root.set("window", JSON.valueToTree(AlertWindow.of(t.stats())));
        return root;
    }

    @Override
    public Future<Void> close() {
        return poster.close();
    }
}
