package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.EnvoyLikeProxy;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.OriginatingProxy;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Stop;
import io.egressprobe.testing.TargetsApi;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The running daemon on the topologies of the constructed dumps (src/test/resources/envoy/SOURCES.md), its sidecar's
 * admin API answering each whole: every host resolved to its cluster, hops and timeout in {@code /api/v1/targets};
 * a host REGISTRY_ONLY blocks failing as configuration with the advice to declare it; and a sidecar that originates
 * TLS, probed with plain HTTP as the application speaks to it, its cut recognised in Envoy's own 503.
 */
class TopologiesIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Path ENVOY = Path.of("src/test/resources/envoy");

    @TempDir
    Path dir;
    Vertx vertx;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        Stop.await(vertx.close(), Duration.ofSeconds(10));
    }

    String config(FakeEnvoyAdmin admin, String targets) {
        return """
                listen: 127.0.0.1:0
                mode: sidecar
                defaults: { interval: 100ms, probeTimeout: 3s, window: 1m, minSamples: 5, for: 1s }
                targets:
                %s
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                """.formatted(targets, admin.port(), admin.port());
    }

    static JsonNode target(RunningDaemon daemon, String name) throws Exception {
        return TargetsApi.named(Http.get(daemon.port(), "/api/v1/targets").body(), name);
    }

    /** The target once the sidecar's config has been applied to it. */
    static JsonNode routed(RunningDaemon daemon, String name) {
        JsonNode[] found = new JsonNode[1];
        await(name + " routed from the sidecar's config").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> "ok".equals((found[0] = target(daemon, name)).path("envoyAdmin").asText())
                        && found[0].at("/route/hops/0/source").asText().startsWith("envoy"));
        return found[0];
    }

    @ParameterizedTest(name = "{0} {1}:{2}")
    @CsvSource({
            // dump, host, port, hops, limiting cluster, its timeout, fault, originates TLS
            "egress_gateway_sni_subset, edition.cnn.com, 443, sidecar egress_gateway, outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local, 10, , false",
            "weighted_clusters, api.payments.example.com, 443, sidecar, outbound|443||api-canary.payments.example.com, 0.5, , false",
            "tls_origination, edition.cnn.com, 80, sidecar, outbound|80||edition.cnn.com, 2, , true",
            "registry_only, undeclared.example.com, 443, sidecar, BlackHoleCluster, 10, registry_only, false",
            "registry_only, api.declared.example.com, 443, sidecar, outbound|443||api.declared.example.com, 3, , false",
    })
    void shouldResolveEachConstructedTopologyThroughTheRunningDaemon(String dump, String host, int port, String hops,
            String cluster, double seconds, String fault, boolean originates) throws Exception {
        FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(vertx, Files.readString(ENVOY.resolve("config_dump_topology_" + dump + ".json")));
        Path file = dir.resolve("config.yaml");
        Files.writeString(file, config(admin, "  - { name: t, host: %s, port: %d }".formatted(host, port)));
        try (RunningDaemon daemon = RunningDaemon.start(file, RunningDaemon.FAST)) {
            JsonNode t = routed(daemon, "t");
            JsonNode route = t.get("route");
            assertThat(String.join(" ", route.findValuesAsText("hop"))).isEqualTo(hops);
            // the gateway's own hop is at Istio's default here: no Kubernetes API, and the sidecar's cluster is 10 s too
            assertThat(t.at("/timeout/seconds").asDouble()).isEqualTo(seconds);
            assertThat(route.at("/hops/0/cluster").asText()).isEqualTo(cluster);
            assertThat(route.path("fault").asText("")).isEqualTo(fault == null ? "" : fault);
            assertThat(route.get("originatesTls").asBoolean()).isEqualTo(originates);
            assertThat(t.get("upstreamMeasure").asText()).contains(originates ? "first response byte" : "ServerHello");
            long hopSeries = Http.get(daemon.port(), "/metrics").body().lines()
                    .filter(l -> l.startsWith("egress_probe_hop_connect_timeout_seconds{")).count();
            assertThat(hopSeries).as("a series per hop on a chain only: the plain sidecar path pays none")
                    .isEqualTo(hops.contains(" ") ? 2 : 0);
        } finally {
            admin.close();
        }
    }

    @Test
    void shouldFailAHostTheMeshBlocksAsConfigurationAndSaySoInTheAlert() throws Exception {
        TestPki pki = new TestPki(dir);
        FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(vertx, Files.readString(ENVOY.resolve("config_dump_topology_registry_only.json")));
        // BlackHoleCluster closes every connection at once: a proxy whose upstream refuses does the same.
        try (EnvoyLikeProxy blackHole = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), RawServers.closedPort()), Duration.ofSeconds(10), () -> 0)) {
            Path file = dir.resolve("config.yaml");
            Files.writeString(file, config(admin, "  - { name: blocked, host: identity.test, port: %d, tls: { caFile: %s } }"
                    .formatted(blackHole.port(), pki.caFile)));
            try (RunningDaemon daemon = RunningDaemon.start(file, RunningDaemon.FAST)) {
                JsonNode[] alert = new JsonNode[1];
                await("EgressTargetFailing for blocked").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    for (JsonNode a : JSON.readTree(Http.get(daemon.port(), "/api/v1/alerts").body()).get("active")) {
                        if (a.get("alertname").asText().equals("EgressTargetFailing")) {
                            alert[0] = a;
                        }
                    }
                    return alert[0] != null && target(daemon, "blocked").at("/route/fault").asText().equals("registry_only");
                });
                JsonNode t = target(daemon, "blocked");
                assertThat(t.at("/route/faultAdvice").asText()).contains("the mesh blocks undeclared hosts");
                assertThat(t.at("/failuresSinceStart/envoy_connect_timeout").asLong()).as("never a cut").isZero();
                assertThat(t.at("/window/synLosses/connects").asInt()).as("never a lost SYN").isZero();
                assertThat(alert[0].get("recommendation").asText()).startsWith("This is configuration, not latency")
                        .contains("add a ServiceEntry for identity.test");
            }
        } finally {
            admin.close();
        }
    }

    @Test
    void shouldProbeThroughASidecarThatOriginatesTlsWithPlainHttpAndRecogniseItsCut() throws Exception {
        TestPki pki = new TestPki(dir);
        AtomicLong delay = new AtomicLong();
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             OriginatingProxy sidecar = OriginatingProxy.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()),
                     Duration.ofMillis(500), delay::get)) {
            String dump = Files.readString(ENVOY.resolve("config_dump_topology_tls_origination.json"))
                    .replace("edition.cnn.com", "identity.test").replace("0.0.0.0_80", "0.0.0.0_" + sidecar.port())
                    .replace("\"port_value\": 80", "\"port_value\": " + sidecar.port())
                    .replace("outbound|80||identity.test", "outbound|" + sidecar.port() + "||identity.test")
                    .replace("identity.test:80", "identity.test:" + sidecar.port())
                    .replace("\"connect_timeout\": \"2s\"", "\"connect_timeout\": \"0.500s\"");
            FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(vertx, dump);
            Path file = dir.resolve("config.yaml");
            Files.writeString(file, config(admin, "  - { name: originated, host: identity.test, port: %d }".formatted(sidecar.port())));
            try (RunningDaemon daemon = RunningDaemon.start(file, RunningDaemon.FAST)) {
                await("plain requests succeed through the originating sidecar").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> routed(daemon, "originated").at("/route/originatesTls").asBoolean()
                                && target(daemon, "originated").at("/lastAttempt/result").asText().equals("success"));
                JsonNode ok = target(daemon, "originated");
                assertThat(ok.at("/timeout/seconds").asDouble()).isEqualTo(0.5);
                assertThat(ok.at("/lastAttempt/tlsVersion").asText()).isEqualTo("originated by the proxy");
                assertThat(ok.at("/window/count").asInt()).as("the time to the first response byte is a sample").isPositive();

                delay.set(800);
                await("the sidecar's 503 after its route's three tries is its cut").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> target(daemon, "originated").at("/failuresSinceStart/envoy_connect_timeout").asLong() >= 3);
                JsonNode cut = target(daemon, "originated");
                assertThat(cut.at("/lastFailure/detail").asText()).contains("upstream connect error")
                        .contains("the sidecar's 500 ms connect timeout").contains("3 tries");
                assertThat(cut.at("/window/censored").asInt()).as("kept as censored samples").isGreaterThanOrEqualTo(3);
                assertThat(cut.at("/failuresSinceStart/http_status").asLong()).as("never counted as the host's status").isZero();
            } finally {
                admin.close();
            }
        }
    }

    /** Ambient mode: ztunnel's own hop, its fixed 10 s timeout, the time to ServerHello through it, and the path label. */
    @Test
    void shouldProbeInAmbientModeThroughZtunnelsHopAtItsFixedTimeout() throws Exception {
        TestPki pki = new TestPki(dir);
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             EnvoyLikeProxy ztunnel = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), Duration.ofSeconds(10), () -> 0)) {
            Path file = dir.resolve("config.yaml");
            Files.writeString(file, """
                    listen: 127.0.0.1:0
                    mode: ambient
                    defaults: { interval: 100ms, envoyConnectTimeout: 1s }
                    targets:
                      - { name: ambient, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    """.formatted(ztunnel.port()));
            try (RunningDaemon daemon = RunningDaemon.start(file, RunningDaemon.FAST)) {
                await("samples through ztunnel").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> target(daemon, "ambient").at("/window/count").asInt() >= 3);
                JsonNode t = target(daemon, "ambient");
                assertThat(t.get("path").asText()).isEqualTo("ambient");
                assertThat(t.get("upstreamMeasure").asText()).isEqualTo("time to ServerHello through ztunnel");
                assertThat(t.at("/route/hops/0/hop").asText()).isEqualTo("ztunnel");
                assertThat(t.at("/timeout/source").asText()).as("ztunnel reads no Envoy timeout").isEqualTo("ztunnel_default");
                assertThat(t.at("/timeout/seconds").asDouble()).isEqualTo(10.0);
                assertThat(Http.get(daemon.port(), "/metrics").body()).contains("path=\"ambient\"");
            }
        }
    }
}
