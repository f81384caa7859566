package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's own overload is said and never judged as a target's: while the JVM it runs in is kept in its collector
 * for a tenth of ten seconds (this test, in the same JVM, forces full collections back to back), /api/v1/targets says
 * why, egress_probe_daemon_overloaded is 1 and the targets' alerts are held; once it keeps up again, both clear.
 */
class OwnOverloadIT {
    @TempDir
    Path dir;
    TlsTargetServer server;
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
    }

    JsonNode targets() throws Exception {
        return new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body());
    }

    Optional<Double> overloaded() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_daemon_overloaded",
                "egress_probe_daemon_overloaded", Map.of("path", "direct"));
    }

    /** One TLS target on loopback, probed every 100 ms by a daemon in this JVM with these defaults besides. */
    void startDaemon(String defaults) throws Exception {
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, new TestPki(dir).valid(), () -> 0, 200);
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: 100ms, envoyConnectTimeout: 1s, %s }
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(defaults, server.port()));
        daemon = RunningDaemon.start(config, RunningDaemon.FAST);
        port = daemon.port();
    }

    boolean firing(String alert) throws Exception {
        for (JsonNode a : new ObjectMapper().readTree(Http.get(port, "/api/v1/alerts").body()).get("active")) {
            if (a.get("alertname").asText().equals(alert)) {
                return true;
            }
        }
        return false;
    }

    /**
     * The target fails while the daemon is overloaded: nothing is judged (no EgressTargetFailing, whose minSamples and
     * for are long past) until the daemon keeps up again, and then it fires.
     */
    @Test
    void shouldJudgeNothingWhileOverloadedAndFireOnceItKeepsUp() throws Exception {
        startDaemon("minSamples: 5, for: 1s, window: 1m");
        await("probing").atMost(Duration.ofSeconds(20)).until(() -> targets().at("/targets/0/window/attempts").asInt() >= 5);
        java.util.concurrent.atomic.AtomicBoolean storming = new java.util.concurrent.atomic.AtomicBoolean(true);
        Thread storm = new Thread(() -> {
            while (storming.get()) {
                System.gc();
            }
        }, "collector-storm");
        storm.start();
        try {
            await("overload said").atMost(Duration.ofSeconds(10)).until(() -> overloaded().orElse(0.0) == 1.0);
            server.close(); // every attempt fails from now on: refused
            server = null;
            double failedBefore = failures();
            await("failures well past minSamples and for").atMost(Duration.ofSeconds(30)).until(() -> failures() >= failedBefore + 30);
            assertThat(overloaded()).as("still overloaded").contains(1.0);
            assertThat(firing("EgressTargetFailing")).as("held while overloaded").isFalse();
        } finally {
            storming.set(false);
            storm.join();
        }
        await("judged once it keeps up").atMost(Duration.ofSeconds(40)).until(() -> firing("EgressTargetFailing"));
        assertThat(overloaded()).contains(0.0);
    }

    double failures() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_attempts_total",
                "egress_probe_attempts_total", Map.of("target", "identity", "result", "failure")).orElse(0.0);
    }

    @Test
    void shouldSayItsOwnOverloadAndHoldTheTargetsAlertsUntilItKeepsUp() throws Exception {
        startDaemon("minSamples: 50");
        await("probing").atMost(Duration.ofSeconds(20)).until(() -> targets().at("/targets/0/window/attempts").asInt() >= 3);
        assertThat(overloaded()).contains(0.0);
        assertThat(targets().path("overload").isNull() || targets().path("overload").isMissingNode()).isTrue();

        long until = System.nanoTime() + Duration.ofMillis(1500).toNanos();
        while (System.nanoTime() < until) {
            System.gc();
        }

        await("overload said").atMost(Duration.ofSeconds(10)).until(() -> overloaded().orElse(0.0) == 1.0);
        // Either is true of a JVM kept in its collector: the pauses, and the attempts they made start late.
        assertThat(targets().get("overload").asText()).matches("the daemon's garbage collector stopped it for \\d+ ms of the"
                + " last 10 s: its heap is too small for its targets \\(validate --heap\\)|attempts started up to \\d+ ms late"
                + " in the last 10 s: the daemon's event loops are short of CPU \\(egress_probe_schedule_lag_seconds\\)");
        await("keeps up again").atMost(Duration.ofSeconds(30)).until(() -> overloaded().orElse(1.0) == 0.0);
        assertThat(targets().path("overload").isNull() || targets().path("overload").isMissingNode()).isTrue();
    }
}
