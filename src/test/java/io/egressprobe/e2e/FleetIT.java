package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.demo.TlsTargetServer;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.notify.Notification;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.Running;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Sidecar;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A small fleet: five daemons as five nodes' pods, each behind its own Envoy-like sidecar with a 1s connect timeout,
 * and a real Prometheus (Debian) scraping them as the PodMonitor does and evaluating the shipped rules. One node
 * made slow raises its node alert and nothing fleet-wide; a second one makes it the fleet's. The daemons and
 * Prometheus send to one real Alertmanager, which holds one alert where both raise the same: the label sets agree.
 */
class FleetIT {
    static final int NODES = 5;
    @TempDir
    Path dir;
    final Running running = new Running();

    @AfterEach
    void tearDown() throws Exception {
        running.stop();
    }

    @Test
    void shouldRaiseTheNodeAlertForOneSlowNodeAndTheFleetAlertWhenASecondAgrees() throws Exception {
        PrometheusProcess.assumeInstalled();
        TestPki pki = new TestPki(dir);
        TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        running.add(server);
        AlertmanagerProcess.assumeInstalled();
        AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort());
        running.add(am);
        List<AtomicLong> delays = new ArrayList<>();
        StringBuilder scrapeTargets = new StringBuilder();
        List<RunningDaemon> daemons = new ArrayList<>();
        for (int i = 0; i < NODES; i++) {
            AtomicLong delay = new AtomicLong();
            delays.add(delay);
            Sidecar sidecar = Sidecar.start(server.port(), "identity.test", delay::get);
            running.add(sidecar);
            Path config = dir.resolve("node-" + i + ".yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    defaults: { interval: 100ms, probeTimeout: 3s, window: 15s, minSamples: 10, for: 1s }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    alerting: { alertmanager: { url: "http://127.0.0.1:%d", resend: 2s } }
                    """.formatted(sidecar.port(), am.port()) + sidecar.config());
            RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST, "node-" + i);
            running.add(daemon);
            daemons.add(daemon);
            scrapeTargets.append(PrometheusProcess.scrapeTarget(daemon.port(), "node-" + i));
        }
        PrometheusProcess prometheus = PrometheusProcess.start(dir, scrapeTargets.toString(), Optional.of(am.port()));
        running.add(prometheus);

        delays.get(0).set(880);
        await("node-0's own alert, through Prometheus").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> prometheus.alerts("EgressConnectLatencyNearTimeout", "firing").stream()
                        .anyMatch(a -> a.at("/labels/node").asText().equals("node-0")
                                && a.at("/labels/severity").asText().equals("critical")));
        JsonNode nodeAlert = prometheus.alerts("EgressConnectLatencyNearTimeout", "firing").stream()
                .filter(a -> a.at("/labels/node").asText().equals("node-0")).findFirst().orElseThrow();
        assertThat(nodeAlert.get("labels").fieldNames()).toIterable()
                .as("the daemon's own label set, for Alertmanager to deduplicate the two")
                .containsExactlyInAnyOrderElementsOf(Notification.LABELS);
        await("Prometheus and node-0's daemon have both delivered to Alertmanager").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions()
                .until(() -> prometheus.ownCounter("prometheus_notifications_sent_total") >= 1
                        && PrometheusText.sum(PrometheusText.parse(Http.get(daemons.get(0).port(), "/metrics").body()),
                        "egress_probe_notifications_sent_total", Map.of("notifier", "alertmanager")) >= 1);
        assertThat(alertmanagerAlerts(am, "EgressConnectLatencyNearTimeout", "node-0"))
                .as("one alert: the rule's and the daemon's have the same labels").singleElement()
                .satisfies(a -> assertThat(a.at("/labels/path").asText()).isEqualTo("sidecar"));
        assertThat(prometheus.alerts("EgressFleetConnectLatencyNearTimeout", null)).as("one node is not the fleet").isEmpty();

        delays.get(1).set(880);
        await("the fleet's alert, pending its 5m").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> !prometheus.alerts("EgressFleetConnectLatencyNearTimeout", null).isEmpty());
        assertThat(prometheus.alerts("EgressFleetConnectLatencyNearTimeout", null)).singleElement()
                .satisfies(a -> assertThat(a.at("/labels/target").asText()).isEqualTo("identity"));
    }

    /** Alertmanager's active critical alerts of that name for that node, from any sender. */
    static List<JsonNode> alertmanagerAlerts(AlertmanagerProcess am, String alertname, String node) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        new ObjectMapper().readTree(am.alerts().body()).forEach(a -> {
            if (a.at("/labels/alertname").asText().equals(alertname) && a.at("/labels/node").asText().equals(node)
                    && a.at("/labels/severity").asText().equals("critical")) {
                found.add(a);
            }
        });
        return found;
    }
}
