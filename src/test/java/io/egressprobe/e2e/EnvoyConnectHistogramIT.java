package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.DemoEnvoyAdmin;
import io.egressprobe.demo.EnvoyLikeProxy;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29, "the quantity the timeout covers": the demo's stand-in sidecar (an Envoy-like proxy in front of a real TLS
 * server, its admin API serving {@code upstream_cx_connect_ms} as Envoy 1.22+ answers {@code histogram_buckets=cumulative},
 * counted from the connects it really made) times every upstream connect between 610 and 680 ms. The daemon reads the
 * buckets each second, windows them, and judges the latency alert on the probe's window until Envoy's window holds
 * minSamples connects, on Envoy's p99 after.
 */
class EnvoyConnectHistogramIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final int MIN_SAMPLES = 30;

    @TempDir
    Path dir;

    /** What one read of the API showed: the basis, and how many connects Envoy's window held. */
    record Seen(String judgedOn, long envoyConnects, JsonNode target) {}

    @Test
    void shouldSwitchTheVerdictToEnvoysOwnConnectHistogramOnceItsWindowHoldsMinSamples() throws Exception {
        TestPki pki = new TestPki(dir);
        AtomicInteger n = new AtomicInteger();
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             EnvoyLikeProxy proxy = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), Duration.ofSeconds(1),
                     () -> 610 + (n.getAndIncrement() * 7L) % 70);
             DemoEnvoyAdmin admin = DemoEnvoyAdmin.start("outbound|" + proxy.port() + "||" + TestPki.HOST,
                     Duration.ofSeconds(1), proxy::envoyStatsJson)) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    mode: sidecar
                    envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                    defaults: { interval: 100ms, probeTimeout: 3s, window: 1m, minSamples: %d }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    """.formatted(admin.port(), admin.port(), MIN_SAMPLES, proxy.port()));
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST)) {
                List<Seen> seen = new ArrayList<>();
                await("the verdict on Envoy's histogram").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                        .ignoreExceptions().until(() -> {
                            JsonNode t = JSON.readTree(Http.get(daemon.port(), "/api/v1/targets").body()).at("/targets/0");
                            JsonNode window = t.at("/envoy/window");
                            Seen s = new Seen(t.at("/timeout/judgedOn").asText(), window.isMissingNode() || window.isNull()
                                    ? -1 : window.get("connects").asLong(), t);
                            seen.add(s);
                            return s.judgedOn().equals("envoy_upstream_cx_connect_ms");
                        });

                assertThat(seen).as("Envoy's quantity exactly where its window holds minSamples connects").allSatisfy(s ->
                        assertThat(s.judgedOn()).isEqualTo(s.envoyConnects() >= MIN_SAMPLES
                                ? "envoy_upstream_cx_connect_ms" : "probe_window"));
                assertThat(seen).as("the probe's window before that").anyMatch(s -> s.judgedOn().equals("probe_window"));

                JsonNode t = seen.get(seen.size() - 1).target();
                long connects = t.at("/envoy/window/connects").asLong();
                assertThat(t.at("/timeout/judgedSamples").asLong()).isEqualTo(connects);
                assertThat(connects).as("no more than the proxy really made").isLessThanOrEqualTo(n.get());
                // Every connect in (600, 700]: histogram_quantile's p99 is 600 + 100 x 0.99.
                assertThat(t.at("/timeout/judgedP99Seconds").asDouble()).isCloseTo(0.699, within(1e-6));
                assertThat(t.at("/timeout/judgedUtilization").asDouble()).isCloseTo(0.699, within(1e-6));
                assertThat(t.at("/window/p99").asDouble()).as("the time to ServerHello: the upper bound")
                        .isGreaterThanOrEqualTo(0.61);
                assertThat(t.at("/route/hops/0/verdict").asText()).contains("judged on envoy_upstream_cx_connect_ms");
            }
        }
    }
}
