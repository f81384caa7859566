package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code mode: auto}: which path, and no probe before the sidecar is ready. */
class SidecarDetectionIT {
    @TempDir
    Path dir;
    TlsTargetServer server;
    Vertx adminVertx;
    RunningDaemon daemon;
    int listenPort;

    @BeforeEach
    void setUp() throws Exception {
        TestPki pki = new TestPki(dir);
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        listenPort = RawServers.closedPort();
        adminVertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        adminVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        server.close();
    }

    Future<Integer> startDaemon(int adminPort) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                mode: auto
                defaults: { interval: 200ms }
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(listenPort, adminPort, adminPort, server.port()));
        daemon = RunningDaemon.begin(config,
                new Intervals(Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(60)));
        return daemon.started();
    }

    String path() throws Exception {
        return new ObjectMapper().readTree(Http.get(listenPort, "/api/v1/targets").body()).get("targets").get(0).get("path").asText();
    }

    Map<String, PrometheusText.Family> metrics() throws Exception {
        return PrometheusText.parse(Http.get(listenPort, "/metrics").body());
    }

    @Test
    void shouldProbeDirectlyWhenNoSidecarAnswers() throws Exception {
        startDaemon(RawServers.closedPort()).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

        assertThat(path()).isEqualTo("direct");
        assertThat(metrics()).doesNotContainKey("egress_probe_sidecar_ready");
    }

    @Test
    void shouldWaitForTheSidecarToBeReadyBeforeTheFirstProbe() throws Exception {
        FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(adminVertx, FakeEnvoyAdmin.dumpWith("x", "1s"));
        admin.mode(FakeEnvoyAdmin.Mode.ERROR_500);

        Future<Integer> started = startDaemon(admin.port());

        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().until(() -> Http.get(listenPort, "/healthz").statusCode() == 200);
        assertThat(Http.get(listenPort, "/readyz").statusCode()).isEqualTo(503);
        assertThat(PrometheusText.value(metrics(), "egress_probe_sidecar_ready", "egress_probe_sidecar_ready", Map.of())).contains(0.0);
        assertThat(metrics()).as("no probe yet").doesNotContainKey("egress_probe_attempts_total");
        assertThat(started.isComplete()).isFalse();

        admin.mode(FakeEnvoyAdmin.Mode.HEALTHY);

        started.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        assertThat(Http.get(listenPort, "/readyz").statusCode()).isEqualTo(200);
        assertThat(PrometheusText.value(metrics(), "egress_probe_sidecar_ready", "egress_probe_sidecar_ready", Map.of())).contains(1.0);
        assertThat(path()).isEqualTo("sidecar");
        await().atMost(Duration.ofSeconds(20)).until(() -> PrometheusText.value(metrics(), "egress_probe_attempts_total",
                "egress_probe_attempts_total", Map.of("target", "identity", "result", "success")).orElse(0.0) >= 1);
        admin.close();
    }
}
