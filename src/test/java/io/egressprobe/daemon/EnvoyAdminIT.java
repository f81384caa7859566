package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.GrownEnvoyAdmin;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RecordedEnvoyAdmin;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The timeout learned from the sidecar's admin API, and what happens when that API misbehaves. */
class EnvoyAdminIT {
    @TempDir
    Path dir;
    TlsTargetServer server;
    Vertx adminVertx;
    FakeEnvoyAdmin admin;
    RunningDaemon daemon;
    int port;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (server != null) {
            server.close();
        }
        if (admin != null) {
            admin.close();
        }
        if (adminVertx != null) {
            adminVertx.close();
        }
    }

    /** A TLS target on loopback and a sidecar whose admin API gives its cluster {@code connectTimeout}; the cluster. */
    String startTargetAndAdmin(String connectTimeout) throws Exception {
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, new TestPki(dir).valid(), () -> 0, 200);
        String cluster = "outbound|" + server.port() + "||identity.test";
        startAdmin(FakeEnvoyAdmin.dumpWith(cluster, connectTimeout));
        return cluster;
    }

    void startAdmin(String configDump) throws Exception {
        adminVertx = Vertx.vertx();
        admin = FakeEnvoyAdmin.start(adminVertx, configDump);
    }

    JsonNode target() throws Exception {
        return new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets").get(0);
    }

    double attempts() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_attempts_total",
                "egress_probe_attempts_total", Map.of("target", "identity", "result", "success")).orElse(0.0);
    }

    @Test
    void shouldMirrorEnvoysOwnStatsOnlyWhileTheyExistAndKeepTheCounterMonotonic() throws Exception {
        String cluster = startTargetAndAdmin("1s");
        admin.stats(FakeEnvoyAdmin.statsWith(cluster, 9, 1450, 1.2, 480));
        startDaemon(admin.port(), server.port());

        await().atMost(Duration.ofSeconds(20)).until(() -> envoyTimeouts().orElse(-1.0) == 9.0);
        var m = PrometheusText.parse(Http.get(port, "/metrics").body());
        assertThat(m.get("egress_probe_envoy_upstream_connect_timeouts_total").type()).isEqualTo("counter");
        assertThat(m.get("egress_probe_envoy_upstream_connect_seconds").type()).isEqualTo("summary");
        assertThat(m.get("egress_probe_envoy_upstream_connect_seconds").withLabel("target", "identity"))
                .extracting(s -> s.labels().get("quantile") + "=" + s.value())
                .containsExactlyInAnyOrder("0.5=0.0012", "0.9=0.003", "0.99=0.48", "0.999=1.0");
        assertThat(m.values().stream().flatMap(f -> f.samples().stream()).filter(s -> "identity".equals(s.labels().get("target"))))
                .as("the sidecar path's budget, Envoy's own view included").hasSizeLessThanOrEqualTo(56);
        JsonNode envoy = target().get("envoy");
        assertThat(envoy.get("status").asText()).isEqualTo("ok");
        assertThat(envoy.get("connections").asLong()).isEqualTo(1450);

        admin.stats(FakeEnvoyAdmin.statsWith(cluster, 12, 1500, 1.2, 480));
        await().atMost(Duration.ofSeconds(20)).until(() -> envoyTimeouts().orElse(-1.0) == 12.0);
        admin.stats(FakeEnvoyAdmin.statsWith(cluster, 2, 40, 1.2, 480)); // Envoy restarted: its counter started over
        await("monotonic across the restart").atMost(Duration.ofSeconds(20)).until(() -> envoyTimeouts().orElse(-1.0) == 14.0);

        admin.stats("{\"stats\": []}");
        await().atMost(Duration.ofSeconds(20)).until(() -> envoyTimeouts().isEmpty());
        assertThat(target().get("envoy").get("status").asText()).startsWith("not enabled");
    }

    @Test
    void shouldMirrorEnvoysStatsFromTheFirstReadEvenWhenTheDumpAnswersLast() throws Exception {
        String cluster = startTargetAndAdmin("1s");
        admin.stats(FakeEnvoyAdmin.statsWith(cluster, 9, 1450, 1.2, 480));
        admin.configDumpDelay(Duration.ofSeconds(1));
        startDaemon(admin.port(), "identity.test", server.port(), "1h"); // one read only, at start

        await().atMost(Duration.ofSeconds(20)).until(() -> target().get("timeout").get("source").asText().equals("envoy_admin"));
        await("Envoy's view from the first read").atMost(Duration.ofSeconds(20))
                .until(() -> target().get("envoy").get("status").asText().equals("ok"));
        assertThat(envoyTimeouts()).contains(9.0);
    }

    @Test
    void shouldReadATenMegabyteConfigDump() throws Exception {
        TestPki pki = new TestPki(dir);
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        String cluster = "outbound|" + server.port() + "||identity.test";
        StringBuilder big = new StringBuilder("{\"configs\": [");
        for (int i = 0; big.length() < 10_000_000; i++) {
            big.append("{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster\", \"cluster\": "
                    + "{\"name\": \"outbound|443||svc-").append(i).append(".example.com\", \"connect_timeout\": \"10s\", "
                    + "\"padding\": \"").append("x".repeat(400)).append("\"}},");
        }
        big.append("{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster\", \"cluster\": "
                + "{\"name\": \"").append(cluster).append("\", \"connect_timeout\": \"0.5s\"}}]}");
        startAdmin(big.toString());
        startDaemon(admin.port(), server.port());

        await().atMost(Duration.ofSeconds(30)).until(() -> target().get("timeout").get("source").asText().equals("envoy_admin"));
        assertThat(target().get("timeout").get("seconds").asDouble()).isEqualTo(0.5);
    }

    java.util.Optional<Double> envoyTimeouts() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()),
                "egress_probe_envoy_upstream_connect_timeouts_total", "egress_probe_envoy_upstream_connect_timeouts_total",
                Map.of("target", "identity"));
    }

    void startDaemon(int adminPort, int targetPort) throws Exception {
        startDaemon(adminPort, "identity.test", targetPort);
    }

    void startDaemon(int adminPort, String host, int targetPort) throws Exception {
        startDaemon(adminPort, host, targetPort, "500ms");
    }

    void startDaemon(int adminPort, String host, int targetPort, String refresh) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                mode: sidecar
                defaults: { interval: 200ms, envoyConnectTimeout: 3s }
                envoy: { adminUrl: "http://127.0.0.1:%d", refresh: %s }
                targets:
                  - { name: identity, host: %s, port: %d, tls: { caFile: ca.pem } }
                """.formatted(adminPort, refresh, host, targetPort));
        daemon = RunningDaemon.start(config, RunningDaemon.FAST);
        port = daemon.port();
    }

    @Test
    void shouldLearnTheTimeoutFromTheSidecarAndFallBackThroughEveryAdminFaultWhileProbingGoesOn() throws Exception {
        String cluster = startTargetAndAdmin("0.750s");
        startDaemon(admin.port(), server.port());

        await().atMost(Duration.ofSeconds(20)).until(() -> target().get("timeout").get("source").asText().equals("envoy_admin"));
        JsonNode t = target();
        assertThat(t.get("timeout").get("seconds").asDouble()).isEqualTo(0.75);
        assertThat(t.get("timeout").get("cluster").asText()).isEqualTo(cluster);
        assertThat(t.get("envoyAdmin").asText()).isEqualTo("ok");
        assertThat(t.get("path").asText()).isEqualTo("sidecar");
        var metrics = PrometheusText.parse(Http.get(port, "/metrics").body());
        assertThat(metrics.get("egress_probe_envoy_connect_timeout_seconds").withLabel("target", "identity")).singleElement()
                .satisfies(s -> {
                    assertThat(s.labels()).containsEntry("source", "envoy_admin");
                    assertThat(s.value()).isEqualTo(0.75);
                });
        assertThat(metrics.get("egress_probe_target_info").withLabel("target", "identity")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("cluster", cluster).containsEntry("path", "sidecar"));

        for (FakeEnvoyAdmin.Mode fault : new FakeEnvoyAdmin.Mode[] {FakeEnvoyAdmin.Mode.ERROR_500, FakeEnvoyAdmin.Mode.GARBAGE,
                FakeEnvoyAdmin.Mode.SLOW}) {
            admin.mode(fault);
            await(fault + ": falls back to the configured timeout").atMost(Duration.ofSeconds(30))
                    .until(() -> target().get("timeout").get("source").asText().equals("config"));
            assertThat(target().get("timeout").get("seconds").asDouble()).isEqualTo(3.0);
            assertThat(target().get("envoyAdmin").asText()).startsWith("unavailable: ");
            assertThat(adminUp()).as(fault + ": exported").contains(0.0);
            double before = attempts();
            await(fault + ": probing goes on").atMost(Duration.ofSeconds(20)).until(() -> attempts() >= before + 3);

            admin.mode(FakeEnvoyAdmin.Mode.HEALTHY);
            await(fault + ": recovers").atMost(Duration.ofSeconds(30))
                    .until(() -> target().get("timeout").get("source").asText().equals("envoy_admin"));
            assertThat(adminUp()).contains(1.0);
        }
    }

    /** The Istio 1.3 sidecar (Envoy 1.12) answers the whole v2alpha dump to the filtered query: read like v3. */
    @Test
    void shouldLearnTheTimeoutFromAnIstio13Sidecar() throws Exception {
        new TestPki(dir);
        adminVertx = Vertx.vertx();
        try (RecordedEnvoyAdmin istio13 = RecordedEnvoyAdmin.start(adminVertx,
                Path.of("src/test/resources/envoy-real/config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json"), null)) {
            startDaemon(istio13.port(), "details.default.svc.cluster.local", 9080);

            await().atMost(Duration.ofSeconds(20)).until(() -> target().get("timeout").get("source").asText().equals("envoy_admin"));
            assertThat(target().get("timeout").get("cluster").asText()).isEqualTo("outbound|9080||details.default.svc.cluster.local");
            assertThat(target().get("timeout").get("seconds").asDouble()).isEqualTo(10.0);
            assertThat(adminUp()).contains(1.0);
        }
    }

    /** An answer without clusters is a failure that shows, not a success that silently leaves the defaults in place. */
    @Test
    void shouldShowADumpWithoutClustersAsTheAdminApiFailing() throws Exception {
        new TestPki(dir);
        startAdmin("""
                {"configs": [{"@type": "type.googleapis.com/envoy.admin.v4.ClustersConfigDump",
                  "dynamic_active_clusters": [{"cluster": {"name": "outbound|443||identity.test", "connect_timeout": "1s"}}]}]}""");
        startDaemon(admin.port(), "identity.test", RawServers.closedPort());

        await().atMost(Duration.ofSeconds(20)).until(() -> adminUp().orElse(-1.0) == 0.0);
        assertThat(target().get("envoyAdmin").asText())
                .isEqualTo("unavailable: no clusters in the config dump (its configs' @type: "
                        + "type.googleapis.com/envoy.admin.v4.ClustersConfigDump)");
        assertThat(target().get("timeout").get("source").asText()).isEqualTo("config");
    }

    /**
     * A mesh of 20,000 services whose sidecar ignores {@code name_regex}: the listeners' answer (about 40 MB) is cut off
     * at the limit, said in the target's status and the answer-size metric; the clusters alone give the timeout, and
     * probing goes on. With {@code name_regex} honoured, the same mesh answers within the limit.
     */
    @Test
    void shouldKeepProbingOnTheClustersAloneWhenTheListenersAnswerIsOverTheLimit() throws Exception {
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, new TestPki(dir).valid(), () -> 0, 200);
        for (boolean nameRegex : new boolean[] {false, true}) {
            try (GrownEnvoyAdmin mesh = GrownEnvoyAdmin.start(20_000, nameRegex, 0)) {
                Path config = dir.resolve("config.yaml");
                Files.writeString(config, """
                        listen: 127.0.0.1:0
                        mode: sidecar
                        defaults: { interval: 200ms, envoyConnectTimeout: 3s }
                        envoy: { adminUrl: "http://127.0.0.1:%d", refresh: 1h, answerLimit: 16MiB }
                        targets:
                          - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                        """.formatted(mesh.port(), server.port()));
                daemon = RunningDaemon.start(config, RunningDaemon.FAST);
                port = daemon.port();

                await("name_regex " + nameRegex).atMost(Duration.ofSeconds(60))
                        .until(() -> target().path("envoyAdmin").asText("").startsWith("ok"));
                var metrics = PrometheusText.parse(Http.get(port, "/metrics").body());
                double listenerBytes = PrometheusText.value(metrics, "egress_probe_envoy_admin_answer_bytes",
                        "egress_probe_envoy_admin_answer_bytes", Map.of("resource", "listeners")).orElseThrow();
                assertThat(PrometheusText.value(metrics, "egress_probe_envoy_admin_answer_limit_bytes",
                        "egress_probe_envoy_admin_answer_limit_bytes", Map.of())).contains(16.0 * (1 << 20));
                assertThat(metrics.values().stream().flatMap(f -> f.samples().stream())
                        .filter(x -> !x.labels().containsKey("target")).count())
                        .as("series of the pod itself, on the sidecar path (README \"Metrics\")").isLessThanOrEqualTo(40);
                if (nameRegex) {
                    assertThat(target().get("envoyAdmin").asText()).isEqualTo("ok");
                    assertThat(listenerBytes).as("the targets' listeners only").isLessThan(64 << 10);
                } else {
                    assertThat(target().get("envoyAdmin").asText())
                            .isEqualTo("ok (clusters only: listeners the answer is larger than 16777216 bytes)");
                    assertThat(listenerBytes).as("read up to the limit, then cut off").isGreaterThan(16 << 20)
                            .isLessThan((16 << 20) + (1 << 20));
                }
                assertThat(target().get("timeout").get("source").asText()).isEqualTo("envoy_admin");
                assertThat(target().get("timeout").get("cluster").asText()).isEqualTo("PassthroughCluster");
                double before = attempts();
                await("probing goes on").atMost(Duration.ofSeconds(20)).until(() -> attempts() >= before + 3);
                daemon.close();
                daemon = null;
            }
        }
    }

    java.util.Optional<Double> adminUp() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_dependency_up",
                "egress_probe_dependency_up", java.util.Map.of("dependency", "envoy_admin"));
    }
}
