package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Sidecar;
import io.egressprobe.testing.TestPki;
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
    static final String TIMEOUTS = "EgressConnectTimeouts";
    static final String LATENCY = "EgressConnectLatencyNearTimeout";

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

    /**
     * A restart while the webhook receiver is down: the firing it has not taken is in the state file, and the next run
     * delivers it once the receiver is back, once: the restored level is confirmed, not fired again.
     */
    @Test
    void shouldDeliverToTheWebhookAfterARestartWhatItHadNotTakenAndNothingTwice() throws Exception {
        int webhookPort = RawServers.closedPort();
        Files.writeString(config, """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 5, for: 1s }
                targets:
                  - { name: refused, host: 127.0.0.1, port: %d }
                alerting:
                  webhook: { url: "http://127.0.0.1:%d/hook" }
                  stateFile: %s
                """.formatted(refusedPort, webhookPort, dir.resolve("alerts.json")));
        try (RunningDaemon first = RunningDaemon.start(config, RunningDaemon.FAST)) {
            await("refused fires").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> daemonAlerts(first, "active").stream().anyMatch(a -> a.get("target").asText().equals("refused")));
        }
        List<JsonNode> received = Collections.synchronizedList(new ArrayList<>());
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), webhookPort), 0);
        receiver.createContext("/hook", exchange -> {
            received.add(JSON.readTree(new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
        });
        receiver.start();
        try (RunningDaemon second = RunningDaemon.start(config, RunningDaemon.FAST)) {
            await("the firing the first run could not deliver").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).until(() -> statuses(received, "refused").contains("firing"));
            await("past minSamples and for: the new run confirmed it").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).ignoreExceptions()
                    .until(() -> PrometheusText.sum(PrometheusText.parse(Http.get(second.port(), "/metrics").body()),
                            "egress_probe_attempts_total", Map.of("target", "refused")) >= 30);
            assertThat(statuses(received, "refused")).as("delivered once, not fired again").containsExactly("firing");
        } finally {
            receiver.stop(0);
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
     * An operator lengthens the interval of a target whose connects the sidecar cuts, during the incident: the window
     * starts again empty and, at one attempt every 2 s, holds minSamples (10) again only after about 20 s. The latency
     * alert, judged 0 on that window, resolved after its {@code for} (1 s) and fired again once the window refilled;
     * EgressConnectTimeouts ("no cut left") resolved at once. Now both are held, never resolved, until the new window
     * judges them. (An edit can make the daemon hold every judgement for 10 s while its event loops catch up: the
     * window stays short of minSamples well past that.)
     */
    @Test
    void shouldNeitherResolveNorRefireAFiringAlertWhenItsIntervalIsEdited() throws Exception {
        TestPki pki = new TestPki(dir);
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort());
             TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             Sidecar sidecar = Sidecar.start(server.port(), TestPki.HOST, () -> 1500)) {
            String template = """
                    listen: 127.0.0.1:0
                    defaults: { interval: %s, probeTimeout: 3s, window: 60s, minSamples: 10, for: 1s }
                    targets:
                      - { name: cut, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    alerting:
                      alertmanager: { url: "http://127.0.0.1:%d", resend: 1s }
                    """ + sidecar.config();
            Files.writeString(config, template.formatted("200ms", sidecar.port(), am.port()));
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST)) {
                await("EgressConnectTimeouts and EgressConnectLatencyNearTimeout for cut in Alertmanager")
                        .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                        .until(() -> active(am, TIMEOUTS, "cut").isPresent() && active(am, LATENCY, "cut").isPresent());
                Map<String, Instant> startsAt = Map.of(TIMEOUTS, startsAt(am, TIMEOUTS), LATENCY, startsAt(am, LATENCY));

                Files.writeString(config, template.formatted("2s", sidecar.port(), am.port()));
                assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);

                await("both active, the same instances, while the emptied window refills")
                        .during(Duration.ofSeconds(18)).atMost(Duration.ofSeconds(25)).pollInterval(Duration.ofMillis(250))
                        .until(() -> startsAt.equals(Map.of(TIMEOUTS, startsAt(am, TIMEOUTS), LATENCY, startsAt(am, LATENCY))));
                assertThat(daemonAlerts(daemon, "recent")).as("no resolve of any of cut's alerts, no second firing")
                        .filteredOn(a -> a.get("target").asText().equals("cut"))
                        .noneMatch(a -> a.get("to").asText().equals("ok"))
                        .filteredOn(a -> a.get("alertname").asText().equals(TIMEOUTS)).hasSize(1);
            }
        }
    }

    /** When Alertmanager's active instance of that alert for {@code cut} started; EPOCH when none is active. */
    static Instant startsAt(AlertmanagerProcess am, String alertname) throws Exception {
        return active(am, alertname, "cut").map(a -> Instant.parse(a.get("startsAt").asText())).orElse(Instant.EPOCH);
    }

    static Optional<JsonNode> active(AlertmanagerProcess am, String alertname, String target) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(am.alerts().body()).forEach(a -> {
            if (a.at("/labels/target").asText().equals(target) && a.at("/labels/alertname").asText().equals(alertname)
                    && a.at("/status/state").asText().equals("active")
                    && Instant.parse(a.get("endsAt").asText()).isAfter(Instant.now())) {
                found.add(a);
            }
        });
        return found.stream().findFirst();
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
