package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard against the real thing: the daemon (sidecar path, behind a fake admin API that reports
 * Envoy's stats too), a real Prometheus (Debian) scraping it and loading the recording rules, and every
 * query of the dashboard run through Prometheus' HTTP API with the variables substituted.
 */
class DashboardIT {
    static final Path DASHBOARD = Path.of("dashboards/egress-probe.json");
    final ObjectMapper json = new ObjectMapper();
    @TempDir
    Path dir;
    TlsTargetServer server;
    Vertx adminVertx;
    RunningDaemon daemon;
    PrometheusProcess prometheus;

    @AfterEach
    void tearDown() throws Exception {
        if (prometheus != null) {
            prometheus.close();
        }
        if (daemon != null) {
            daemon.close();
        }
        if (adminVertx != null) {
            adminVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
        if (server != null) {
            server.close();
        }
    }

    @Test
    void shouldBeValidWithUniqueIdsAndEveryPanelOnTheDatasourceVariable() throws Exception {
        JsonNode dashboard = json.readTree(Files.readString(DASHBOARD));
        Set<Integer> ids = new HashSet<>();
        for (JsonNode panel : dashboard.get("panels")) {
            assertThat(ids.add(panel.get("id").asInt())).as("unique id %s", panel.get("id")).isTrue();
            if (!panel.get("type").asText().equals("row")) {
                assertThat(panel.at("/datasource/uid").asText()).as(panel.get("title").asText()).isEqualTo("${datasource}");
                panel.get("targets").forEach(t -> assertThat(t.at("/datasource/uid").asText()).isEqualTo("${datasource}"));
            }
        }
        List<String> variables = new ArrayList<>();
        dashboard.at("/templating/list").forEach(v -> variables.add(v.get("name").asText()));
        assertThat(variables).containsExactly("datasource", "namespace", "zone", "node", "target", "path");
        assertThat(dashboard.at("/templating/list/3/includeAll").asBoolean()).as("one node at a time: 500 would be All").isFalse();
        for (JsonNode panel : dashboard.get("panels")) {
            if (!panel.get("type").asText().equals("row")) {
                assertThat(panel.path("description").asText()).as("description of %s", panel.get("title")).isNotBlank();
                assertThat(panel.path("links").toString()).as("runbook link of %s", panel.get("title")).contains("operations.md");
                panel.get("targets").forEach(t -> assertThat(t.get("expr").asText()).as("rates, not increases that change with zoom")
                        .doesNotContain("increase("));
            }
        }
        JsonNode fleet = dashboard.get("panels").get(1);
        List<String> legends = new ArrayList<>();
        fleet.get("targets").forEach(t -> legends.add(t.get("legendFormat").asText()));
        fleet.at("/fieldConfig/overrides").forEach(o -> o.get("properties").forEach(p -> {
            if (p.get("id").asText().equals("custom.fillBelowTo")) {
                assertThat(legends).as("the band's edge is a series of the panel").contains(p.get("value").asText());
            }
        }));
    }

    /**
     * Lost SYNs are counted by the kernel on the direct path (egress_probe_syn_retransmits_total) and inferred from
     * timing only where it is not asked (egress_probe_syn_retransmit_suspected_total): a panel that reads one of them
     * shows nothing on the other path (the kernel's 32 lost SYNs beside a flat line).
     */
    @Test
    void shouldShowTheKernelsLostSynsBesideTheInferredOnes() throws Exception {
        JsonNode dashboard = json.readTree(Files.readString(DASHBOARD));
        List<String> exprs = new ArrayList<>();
        dashboard.get("panels").forEach(p -> p.path("targets").forEach(t -> exprs.add(t.get("expr").asText())));

        assertThat(exprs).filteredOn(e -> e.contains("syn_retransmit")).isNotEmpty().allSatisfy(e -> assertThat(e)
                .contains("egress_probe_syn_retransmits_total").contains("egress_probe_syn_retransmit_suspected_total"));
    }

    @Test
    void shouldAnswerEveryQueryWithDataFromAPrometheusScrapingTheDaemon() throws Exception {
        PrometheusProcess.assumeInstalled();
        int daemonPort = startDaemon();
        prometheus = PrometheusProcess.start(dir, PrometheusProcess.scrapeTarget(daemonPort, "node-1"));

        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> !prometheus.query("target_path:egress_probe_upstream_connect_seconds:p99_5m").isEmpty()
                        && !prometheus.query("increase(egress_probe_envoy_upstream_connect_timeouts_total[1m])").isEmpty());

        JsonNode dashboard = json.readTree(Files.readString(DASHBOARD));
        List<String> queries = new ArrayList<>();
        for (JsonNode panel : dashboard.get("panels")) {
            panel.path("targets").forEach(t -> queries.add(t.get("expr").asText()));
        }
        for (JsonNode variable : dashboard.at("/templating/list")) {
            Matcher m = Pattern.compile("label_values\\((.*),\\s*(\\w+)\\)").matcher(variable.at("/query/query").asText());
            if (m.matches()) {
                queries.add("count by (" + m.group(2) + ") (" + m.group(1) + ")");
            }
        }
        assertThat(queries).hasSizeGreaterThanOrEqualTo(20);
        for (String query : queries) {
            String substituted = query.replace("$__rate_interval", "1m").replace("$namespace", ".*")
                    .replace("$zone", ".*").replace("$node", ".*").replace("$target", ".*").replace("$path", ".*");
            assertThat(prometheus.query(substituted)).as("data for %s", substituted).isNotEmpty();
        }
    }

    int startDaemon() throws Exception {
        TestPki pki = new TestPki(dir);
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        String cluster = "outbound|" + server.port() + "||identity.test";
        adminVertx = Vertx.vertx();
        FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(adminVertx, FakeEnvoyAdmin.dumpWith(cluster, "1s"));
        admin.stats(FakeEnvoyAdmin.statsWith(cluster, 3, 500, 1.5, 40));
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                mode: sidecar
                defaults: { interval: 200ms, window: 1m, minSamples: 5 }
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(admin.port(), admin.port(), server.port()));
        daemon = RunningDaemon.start(config, RunningDaemon.FAST);
        return daemon.port();
    }
}
