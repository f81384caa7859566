package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.alert.Level;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.testing.Alerts;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** An API server that forbids everything (RBAC missing): counted and logged, never in the way. */
@ExtendWith(VertxExtension.class)
@EnableKubernetesMockClient
class KubernetesEventFailureTest {
    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void shouldCountEveryFailureAndSendNothingWhenTheApiForbidsEvents(Vertx vertx) throws Exception {
        // The event's GET finds nothing (the mock server's 404 for what it does not hold): the recorder then creates.
        server.expect().get().withPath("/api/v1/namespaces/ns/pods/pod-1").andReturn(403, "").always();
        server.expect().post().withPath("/api/v1/namespaces/ns/events").andReturn(403, new StatusBuilder()
                .withCode(403).withReason("Forbidden").withMessage("events is forbidden").build()).always();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        KubernetesEventNotifier notifier = new KubernetesEventNotifier(vertx.getOrCreateContext(), registry,
                new PodEventRecorder(client, new PodEventRecorder.PodRef("ns", "pod-1"), "node-1", Clock.systemUTC()));
        Instant t0 = Instant.parse("2026-11-26T12:00:00Z");

        for (int i = 0; i < 3; i++) {
            notifier.send(Alerts.notification("identity", Level.OK, Level.WARNING, t0.plusSeconds(i), t0));
        }

        await().atMost(Duration.ofSeconds(30)).until(() -> registry.get("egress.probe.notifications.failed").counter().count() == 3);
        assertThat(registry.get("egress.probe.notifications.sent").counter().count()).isZero();
        List<String> creates = new ArrayList<>();
        for (int i = server.getRequestCount(); i > 0; i--) {
            var r = server.takeRequest(10, TimeUnit.SECONDS);
            if (r.getMethod().equals("POST")) {
                creates.add(r.getPath());
            }
        }
        assertThat(creates).as("each notification tried to create its Event, and was refused").hasSize(3)
                .containsOnly("/api/v1/namespaces/ns/events");
    }
}
