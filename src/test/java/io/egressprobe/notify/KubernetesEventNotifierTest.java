package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.alert.Level;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.testing.Alerts;
import io.fabric8.kubernetes.api.model.Event;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Events on the probe's own Pod, through the fabric8 mock API server in CRUD mode. */
@ExtendWith(VertxExtension.class)
@EnableKubernetesMockClient(crud = true)
class KubernetesEventNotifierTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    static final PodEventRecorder.PodRef POD = new PodEventRecorder.PodRef("egress-probe", "egress-probe-x7k2p");
    final Instant t0 = Instant.parse("2026-11-26T12:00:00Z");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    KubernetesEventNotifier notifier;

    @BeforeEach
    void setUp(Vertx vertx) {
        client.pods().inNamespace(POD.namespace()).resource(new PodBuilder().withNewMetadata().withName(POD.name())
                .withNamespace(POD.namespace()).endMetadata().build()).createOr(p -> p.update());
        notifier = new KubernetesEventNotifier(vertx.getOrCreateContext(), registry,
                new PodEventRecorder(client, POD, "node-1", Clock.systemUTC()));
    }

    /** The server's state is shared by the tests of this class: each looks at its own target's events. */
    List<Event> events(String reason, String target) {
        return client.v1().events().inNamespace(POD.namespace()).list().getItems().stream()
                .filter(e -> reason.equals(e.getReason()) && e.getMessage().contains(target + ".example.com")).toList();
    }

    double sent() {
        return registry.get("egress.probe.notifications.sent").counter().count();
    }

    @Test
    void shouldRecordAWarningOnFiringAndANormalEventOnResolve() {
        notifier.send(Alerts.notification("identity", Level.OK, Level.WARNING, t0, t0));
        await().atMost(Duration.ofSeconds(20)).until(() -> sent() == 1);
        // The resolve's message says "Resolved: Connect latency to identity.example.com is back ...".
        notifier.send(Alerts.notification("identity", Level.WARNING, Level.OK, t0.plusSeconds(300), t0));
        await().atMost(Duration.ofSeconds(20)).until(() -> sent() == 2);

        List<Event> events = events("EgressConnectLatencyNearTimeout", "identity");
        assertThat(events).extracting(Event::getType).containsExactlyInAnyOrder("Warning", "Normal");
        assertThat(events).allSatisfy(e -> {
            assertThat(e.getInvolvedObject().getKind()).isEqualTo("Pod");
            assertThat(e.getInvolvedObject().getName()).isEqualTo(POD.name());
            assertThat(e.getInvolvedObject().getNamespace()).isEqualTo(POD.namespace());
            assertThat(e.getInvolvedObject().getUid()).as("this incarnation of the Pod")
                    .isEqualTo(client.pods().inNamespace(POD.namespace()).withName(POD.name()).get().getMetadata().getUid());
            assertThat(e.getSource().getHost()).isEqualTo("node-1");
        });
        assertThat(events).filteredOn(e -> e.getType().equals("Warning")).singleElement()
                .satisfies(e -> assertThat(e.getMessage()).startsWith("warning: p99 connect latency to identity.example.com"));
    }

    @Test
    void shouldCountRepeatsOnOneEventRatherThanCreatingNewOnes() {
        for (int i = 0; i < 3; i++) {
            notifier.send(Alerts.notification("payments", Level.OK, Level.CRITICAL, t0.plusSeconds(600L * i), t0));
        }
        await().atMost(Duration.ofSeconds(20)).until(() -> sent() == 3);

        List<Event> warnings = events("EgressConnectLatencyNearTimeout", "payments");
        assertThat(warnings).singleElement().satisfies(e -> assertThat(e.getCount()).isEqualTo(3));
    }
}
