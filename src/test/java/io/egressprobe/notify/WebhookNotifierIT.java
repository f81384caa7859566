package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.alert.Level;
import io.egressprobe.testing.Alerts;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
class WebhookNotifierIT {
    final Instant now = Instant.parse("2026-11-26T12:00:00Z");

    @Test
    void shouldPostEachTransitionAndRetryUntilTheReceiverTakesIt(Vertx vertx) throws Exception {
        List<JsonNode> received = new CopyOnWriteArrayList<>();
        AtomicInteger calls = new AtomicInteger();
        HttpServer receiver = vertx.createHttpServer().requestHandler(req -> req.body().onSuccess(body -> {
            if (calls.incrementAndGet() == 1) {
                req.response().setStatusCode(503).end("not yet");
                return;
            }
            try {
                received.add(new ObjectMapper().readTree(body.toString()));
            } catch (Exception e) {
                req.response().setStatusCode(400).end();
                return;
            }
            req.response().setStatusCode(204).end();
        }));
        int port = receiver.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        WebhookNotifier notifier = new WebhookNotifier(vertx, vertx.getOrCreateContext(), registry,
                URI.create("http://127.0.0.1:" + port + "/hook"));

        notifier.send(Alerts.notification("identity", Level.OK, Level.WARNING, now, now));
        notifier.send(Alerts.notification("identity", Level.WARNING, Level.OK, now.plusSeconds(600), now));

        await().atMost(Duration.ofSeconds(20)).until(() -> received.size() == 2);
        JsonNode firing = received.get(0);
        assertThat(firing.get("version").asText()).isEqualTo("1");
        assertThat(firing.get("alertname").asText()).isEqualTo("EgressConnectLatencyNearTimeout");
        assertThat(firing.get("status").asText()).isEqualTo("firing");
        assertThat(firing.get("severity").asText()).isEqualTo("warning");
        assertThat(firing.get("target").asText()).isEqualTo("identity");
        assertThat(firing.get("node").asText()).isEqualTo("node-1");
        assertThat(firing.get("window").get("timeoutSource").asText()).isEqualTo("config");
        assertThat(firing.get("recommendation").asText()).contains("kind: DestinationRule");
        assertThat(received.get(1).get("status").asText()).isEqualTo("resolved");
        assertThat(registry.get("egress.probe.notifications.failed").counter().count()).isEqualTo(1);
        assertThat(registry.get("egress.probe.notifications.sent").counter().count()).isEqualTo(2);
        notifier.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
