package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 31: a firing alert through what operators do every week, against a real Alertmanager (and a real Prometheus
 * with external labels): a restart, a reload while the webhook receiver is down, an edited interval, and the rules'
 * alerts beside the daemon's under the Prometheus Operator's external labels.
 */
class AlertContinuityIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String FAILING = "EgressTargetFailing";

    @TempDir
    Path dir;
    Path config;
    int refusedPort;

    @BeforeEach
    void setUp() throws Exception {
        AlertmanagerProcess.assumeInstalled();
        config = dir.resolve("config.yaml");
        refusedPort = RawServers.closedPort();
    }

    /**
     * A restart: the daemon is stopped and started again while EgressTargetFailing fires. Its {@code for} (12 s) and
     * minSamples (150 attempts, 15 s) are longer than the {@code endsAt} Alertmanager was given (4 resends of 2 s), so
     * without the state file Alertmanager would resolve the alert before the new run judged it again.
     */
    @Test
    void shouldKeepAFiringAlertActiveInAlertmanagerAcrossARestartWithoutAResolveOrADuplicate() throws Exception {
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort())) {
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    mode: direct
                    defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 150, for: 12s }
                    targets:
                      - { name: refused, host: 127.0.0.1, port: %d }
                    alerting:
                      alertmanager: { url: "http://127.0.0.1:%d", resend: 2s }
                      stateFile: %s
                    """.formatted(refusedPort, am.port(), dir.resolve("alerts.json")));
            Instant startsAt;
            RunningDaemon first = RunningDaemon.start(config, RunningDaemon.FAST);
            try {
                await("EgressTargetFailing for refused in Alertmanager").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> AlertLifecycleIT.active(am, "refused").isPresent());
                startsAt = startsAt(am);
            } finally {
                first.close();
            }
            assertThat(Files.readString(dir.resolve("alerts.json"))).as("the state file the next run reads")
                    .contains("\"target\":\"refused\"");

            try (RunningDaemon second = RunningDaemon.start(config, RunningDaemon.FAST)) {
                await("active, the same instance, until the new run has judged it again (minSamples: 15 s)")
                        .during(Duration.ofSeconds(20)).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                        .until(() -> AlertLifecycleIT.active(am, "refused").map(a -> Instant.parse(a.get("startsAt")
                                .asText())).equals(Optional.of(startsAt)));
                assertThat(AlertLifecycleIT.ours(am, "refused")).as("no duplicate").hasSize(1);
                JsonNode alerts = JSON.readTree(Http.get(second.port(), "/api/v1/alerts").body());
                assertThat(alerts.get("recent")).as("the new run confirmed it: no transition at all")
                        .noneMatch(a -> a.get("target").asText().equals("refused"));
                assertThat(alerts.get("active")).anyMatch(a -> a.get("target").asText().equals("refused"));
            }
        }
    }

    static Instant startsAt(AlertmanagerProcess am) throws Exception {
        return Instant.parse(AlertLifecycleIT.active(am, "refused").orElseThrow().get("startsAt").asText());
    }

    /**
     * A reload while the webhook receiver is down: the firing and the resolve it has not taken yet are in the old
     * notifier's queue when a new runbookUrl rebuilds the notifiers; once the receiver is up, both arrive, in order.
     */
    @Test
    void shouldDeliverTheQueuedResolveToTheWebhookAfterAReloadRebuiltTheNotifiersWhileTheReceiverWasDown() throws Exception {
        int webhookPort = RawServers.closedPort();
        String template = """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 5, for: 1s }
                targets:
                %s
                  - { name: other, host: 127.0.0.1, port: %d }
                alerting:
                  webhook: { url: "http://127.0.0.1:%d/hook" }
                  runbookUrl: "%s"
                """;
        String refused = "  - { name: refused, host: 127.0.0.1, port: %d }".formatted(refusedPort);
        Files.writeString(config, template.formatted(refused, refusedPort, webhookPort, "https://runbooks.test/one"));
        try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST)) {
            await("refused fires").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> daemonAlerts(daemon, "active").stream().anyMatch(a -> a.get("target").asText().equals("refused")));
            Files.writeString(config, template.formatted("", refusedPort, webhookPort, "https://runbooks.test/one"));
            assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);
            await("refused resolves (removed)").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                    .ignoreExceptions().until(() -> daemonAlerts(daemon, "recent").stream()
                            .anyMatch(a -> a.get("target").asText().equals("refused") && a.get("to").asText().equals("ok")));
            Files.writeString(config, template.formatted("", refusedPort, webhookPort, "https://runbooks.test/two"));
            assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);

            List<JsonNode> received = Collections.synchronizedList(new ArrayList<>());
            HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), webhookPort), 0);
            receiver.createContext("/hook", exchange -> {
                received.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
                exchange.sendResponseHeaders(204, -1);
                exchange.close();
            });
            receiver.start();
            try {
                await("the resolve the reload must not drop").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                        .until(() -> statuses(received, "refused").contains("resolved"));
                assertThat(statuses(received, "refused")).as("the firing first, then the resolve, each once")
                        .containsExactly("firing", "resolved");
            } finally {
                receiver.stop(0);
            }
        }
    }

    static List<String> statuses(List<JsonNode> received, String target) {
        synchronized (received) {
            return received.stream().filter(b -> b.get("target").asText().equals(target))
                    .filter(b -> b.get("alertname").asText().equals(FAILING)).map(b -> b.get("status").asText()).toList();
        }
    }

    static List<JsonNode> daemonAlerts(RunningDaemon daemon, String which) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(Http.get(daemon.port(), "/api/v1/alerts").body()).get(which).forEach(found::add);
        return found;
    }

    /**
     * An operator shortens the interval of a firing target during the incident: the window starts again empty, and
     * the alert is held, never resolved, until the new window judges it.
     */
    @Test
    void shouldNeitherResolveNorRefireAFiringAlertWhenItsIntervalIsEdited() throws Exception {
        String template = """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: %s, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 20, for: 3s }
                targets:
                  - { name: refused, host: 127.0.0.1, port: %d }
                alerting:
                  alertmanager: { url: "http://127.0.0.1:%d", resend: 1s }
                """;
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort())) {
            Files.writeString(config, template.formatted("200ms", refusedPort, am.port()));
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST)) {
                await("EgressTargetFailing for refused in Alertmanager").atMost(Duration.ofSeconds(60))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> AlertLifecycleIT.active(am, "refused").isPresent());
                Instant startsAt = startsAt(am);

                Files.writeString(config, template.formatted("100ms", refusedPort, am.port()));
                assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);

                await("active, the same instance, while the emptied window refills past minSamples and for")
                        .during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(250))
                        .until(() -> AlertLifecycleIT.active(am, "refused").map(a -> Instant.parse(a.get("startsAt")
                                .asText())).equals(Optional.of(startsAt)));
                assertThat(daemonAlerts(daemon, "recent")).as("one transition: the firing; no resolve, no second firing")
                        .filteredOn(a -> a.get("target").asText().equals("refused")).singleElement()
                        .satisfies(a -> assertThat(a.get("to").asText()).isEqualTo("critical"));
            }
        }
    }

    /**
     * Under the Prometheus Operator every Prometheus adds {@code prometheus="<ns>/<name>"} (and users {@code cluster}):
     * with the same {@code alerting.externalLabels}, the daemon's alert and the rule's are one in Alertmanager.
     */
    @Test
    void shouldHoldOneAlertInAlertmanagerForBothSendersUnderThePrometheusExternalLabels() throws Exception {
        PrometheusProcess.assumeInstalled();
        Map<String, String> external = new LinkedHashMap<>();
        external.put("prometheus", "monitoring/k8s");
        external.put("cluster", "eu-1");
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort())) {
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    mode: direct
                    defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 5, for: 1s }
                    targets:
                      - { name: refused, host: 127.0.0.1, port: %d }
                    alerting:
                      alertmanager: { url: "http://127.0.0.1:%d", resend: 2s }
                      externalLabels: { prometheus: monitoring/k8s, cluster: eu-1 }
                    """.formatted(refusedPort, am.port()));
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST);
                 PrometheusProcess prometheus = PrometheusProcess.startWithExternalLabels(dir,
                         PrometheusProcess.scrapeTarget(daemon.port(), "node-1"), am.port(), external)) {
                await("the rule's alert, through Prometheus").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions().until(() -> !prometheus.alerts(FAILING, "firing").isEmpty());
                await("Prometheus and the daemon have both delivered to Alertmanager").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> prometheus.ownCounter("prometheus_notifications_sent_total") >= 1
                                && PrometheusText.sum(PrometheusText.parse(Http.get(daemon.port(), "/metrics").body()),
                                "egress_probe_notifications_sent_total", Map.of("notifier", "alertmanager")) >= 1);

                assertThat(AlertLifecycleIT.ours(am, "refused")).as("one alert: both senders' label sets agree")
                        .singleElement().satisfies(a -> {
                            assertThat(a.at("/labels/prometheus").asText()).isEqualTo("monitoring/k8s");
                            assertThat(a.at("/labels/cluster").asText()).isEqualTo("eu-1");
                        });
            }
        }
    }
}
