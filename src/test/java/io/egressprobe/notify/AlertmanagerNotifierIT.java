package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.alert.Level;
import io.egressprobe.config.AlertingSettings;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Alerts;
import io.egressprobe.testing.RawServers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Against a real Alertmanager: what its v2 API shows is what on-call sees. */
@ExtendWith(VertxExtension.class)
class AlertmanagerNotifierIT {
    @TempDir
    Path dir;
    Vertx vertx;
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    AlertBook book = new AlertBook();
    AlertmanagerNotifier notifier;
    AlertmanagerProcess am;

    @BeforeEach
    void setUp(Vertx vertx) {
        AlertmanagerProcess.assumeInstalled();
        this.vertx = vertx;
    }

    @AfterEach
    void tearDown() throws Exception {
        if (notifier != null) {
            notifier.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (am != null) {
            am.close();
        }
    }

    AlertmanagerNotifier notifier(int port) {
        return notifier(port, Duration.ofSeconds(1));
    }

    AlertmanagerNotifier notifier(int port, Duration resend) {
        return new AlertmanagerNotifier(vertx, vertx.getOrCreateContext(), registry, Clock.systemUTC(),
                URI.create("http://127.0.0.1:" + port), resend, book::firing);
    }

    /** As the alert loop does: the book first, then the notifier. */
    void judged(Notification n) {
        book.enter(List.of(n), Map.of());
        notifier.send(n);
    }

    JsonNode ourActive() throws Exception {
        return ours().stream().filter(AlertmanagerNotifierIT::activeNow).findFirst().orElseThrow();
    }

    List<JsonNode> ours() throws Exception {
        JsonNode all = new ObjectMapper().readTree(am.alerts().body());
        List<JsonNode> result = new ArrayList<>();
        all.forEach(a -> {
            if ("identity".equals(a.get("labels").path("target").asText())) {
                result.add(a);
            }
        });
        return result;
    }

    static boolean activeNow(JsonNode alert) {
        return Instant.parse(alert.get("endsAt").asText()).isAfter(Instant.now())
                && !"resolved".equals(alert.path("status").path("state").asText());
    }

    @Test
    void shouldShowTheFiringAlertWithOurLabelsAndAnnotationsAndThenItsResolve() throws Exception {
        am = AlertmanagerProcess.start(dir, RawServers.closedPort());
        notifier = notifier(am.port());
        Instant firedAt = Instant.now();

        judged(Alerts.notification("identity", Level.OK, Level.WARNING, firedAt, firedAt));

        await().atMost(Duration.ofSeconds(20)).until(() -> ours().stream().anyMatch(AlertmanagerNotifierIT::activeNow));
        JsonNode alert = ours().get(0);
        assertThat(alert.get("labels").fieldNames()).toIterable()
                .as("the label list the shipped rules' tests expect too (FleetRuleCases)")
                .containsExactlyInAnyOrderElementsOf(Notification.LABELS);
        assertThat(labels(alert)).containsExactlyInAnyOrderEntriesOf(Map.of("alertname", "EgressConnectLatencyNearTimeout",
                "severity", "warning", "target", "identity", "host", "identity.example.com", "node", "node-1", "path", "sidecar"));
        assertThat(alert.get("annotations").get("summary").asText()).contains("p99 connect latency to identity.example.com");
        assertThat(alert.get("annotations").get("description").asText()).contains("timeout 1s connect timeout (config)");
        assertThat(alert.get("annotations").get("recommendation").asText()).contains("connectTimeout: 5s");
        assertThat(alert.get("annotations").get("runbook_url").asText()).isEqualTo(AlertingSettings.SHIPPED_RUNBOOK.toString());

        judged(Alerts.notification("identity", Level.WARNING, Level.OK, Instant.now(), firedAt));

        await().atMost(Duration.ofSeconds(20)).until(() -> ours().stream().noneMatch(AlertmanagerNotifierIT::activeNow));
    }

    @Test
    void shouldDeliverOnceAlertmanagerIsBackWithoutBlockingMeanwhile() throws Exception {
        int port = RawServers.closedPort();
        notifier = notifier(port);

        Instant firedAt = Instant.now();
        judged(Alerts.notification("identity", Level.OK, Level.CRITICAL, firedAt, firedAt));
        await().atMost(Duration.ofSeconds(20)).until(() -> registry.get("egress.probe.notifications.failed").counter().count() >= 1);
        assertThat(registry.get("egress.probe.notifications.sent").counter().count()).isZero();

        am = AlertmanagerProcess.start(dir, port);

        await().atMost(Duration.ofSeconds(60)).until(() -> ours().stream().anyMatch(AlertmanagerNotifierIT::activeNow));
        assertThat(ours().get(0).get("labels").get("severity").asText()).isEqualTo("critical");
    }

    @Test
    void shouldGiveUpOnASilentAlertmanagerPerRequestAndDeliverOnceAnAnsweringOneTakesItsPlace() throws Exception {
        RawServers.Server silent = RawServers.silent();
        int port = silent.port();
        notifier = notifier(port);

        Instant firedAt = Instant.now();
        judged(Alerts.notification("identity", Level.OK, Level.CRITICAL, firedAt, firedAt));
        await("the request times out and counts as failed").atMost(Duration.ofSeconds(30))
                .until(() -> registry.get("egress.probe.notifications.failed").counter().count() >= 1);
        assertThat(registry.get("egress.probe.notifications.sent").counter().count()).isZero();
        silent.close();

        am = AlertmanagerProcess.start(dir, port);

        await().atMost(Duration.ofSeconds(60)).until(() -> ours().stream().anyMatch(AlertmanagerNotifierIT::activeNow));
        assertThat(registry.get("egress.probe.notifications.sent").counter().count()).isPositive();
    }

    @Test
    void shouldKeepResendingAnAlertThatFiresWhile150TransitionsOfOtherTargetsPass() throws Exception {
        am = AlertmanagerProcess.start(dir, RawServers.closedPort());
        notifier = notifier(am.port());
        Instant firedAt = Instant.now();
        judged(Alerts.notification("identity", Level.OK, Level.CRITICAL, firedAt, firedAt));
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> ourActive() != null);
        Instant firstEndsAt = Instant.parse(ourActive().get("endsAt").asText());

        for (int i = 0; i < 150; i++) {
            String other = "other-" + (i / 2);
            Instant at = Instant.now();
            judged(i % 2 == 0 ? Alerts.notification(other, Level.OK, Level.WARNING, at, at)
                    : Alerts.notification(other, Level.WARNING, Level.OK, at, at));
        }

        assertThat(book.history().recent()).as("the history stays bounded").hasSize(AlertBook.HISTORY);
        assertThat(book.history().active()).as("what fires is the book's, not the history's")
                .singleElement().satisfies(n -> assertThat(n.transition().target()).isEqualTo("identity"));
        await("past the endsAt of the first send").atMost(Duration.ofSeconds(20))
                .until(() -> Instant.now().isAfter(firstEndsAt.plusSeconds(1)));
        assertThat(ours()).as("still resent, so Alertmanager keeps it active")
                .anySatisfy(a -> assertThat(activeNow(a)).isTrue());
    }

    @Test
    void shouldSendWhatTheBookHoldsAsSoonAsANotifierIsBuiltAsAReloadBuildsIt() throws Exception {
        am = AlertmanagerProcess.start(dir, RawServers.closedPort());
        Instant firedAt = Instant.now();
        book.enter(List.of(Alerts.notification("identity", Level.OK, Level.WARNING, firedAt, firedAt)), Map.of());

        notifier = notifier(am.port(), Duration.ofHours(1));

        await("sent by the new notifier at once, without a transition or a resend").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                .until(() -> ourActive() != null);
        assertThat(ourActive().at("/labels/severity").asText()).isEqualTo("warning");
    }

    static Map<String, String> labels(JsonNode alert) {
        Map<String, String> labels = new TreeMap<>();
        alert.get("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asText()));
        return labels;
    }
}
