package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.demo.EnvoyLikeProxy;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.IstioApi;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.Stop;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29, item 9: whose view. The probe's own sidecar holds its namespace's view (Istio's 10 s), while the team in
 * {@code payments} set 1 s for the host in a DestinationRule exported to its own namespace only. With
 * {@code callers: [payments, checkout]} the target is judged on the tightest view, payments' 1 s, and pages with advice
 * that names that rule, while the probe's own connections (through a 10 s sidecar stand-in) are never cut. A rule in a
 * namespace that is not a caller changes nothing.
 */
class CallerViewsIT {
    @TempDir
    Path dir;
    IstioApi api;
    Vertx vertx;

    @AfterEach
    void tearDown() throws Exception {
        if (api != null) {
            api.close();
        }
        if (vertx != null) {
            Stop.await(vertx.close(), Duration.ofSeconds(10));
        }
    }

    /** The sidecar's whole /config_dump: the host's own cluster at Istio's 10 s, its SNI chain on the target's port. */
    static String dump(int port) {
        return """
                {"configs": [
                {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [
                 {"cluster": {"name": "PassthroughCluster", "connect_timeout": "10s"}},
                 {"cluster": {"name": "outbound|%1$d||identity.test", "connect_timeout": "10s"}}]},
                {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": [
                 {"name": "0.0.0.0_%1$d", "active_state": {"listener": {"name": "0.0.0.0_%1$d",
                   "address": {"socket_address": {"address": "0.0.0.0", "port_value": %1$d}},
                   "filter_chains": [{"filter_chain_match": {"server_names": ["identity.test"]}, "filters": [
                     {"name": "envoy.filters.network.tcp_proxy", "typed_config": {"cluster": "outbound|%1$d||identity.test"}}]}]}}}]}]}
                """.formatted(port);
    }

    void apiServer() {
        api = IstioApi.start("10s");
        api.destinationRule("payments", "pay-1s", "identity.test", List.of("."), "1s");
        api.destinationRule("batch", "batch-500ms", "identity.test", List.of("."), "500ms");
    }

    @Test
    void shouldJudgeTheTargetOnItsCallersTightestViewAndNotOnTheProbesOwnSidecar() throws Exception {
        TestPki pki = new TestPki(dir);
        apiServer();
        vertx = Vertx.vertx();
        AtomicLong delay = new AtomicLong();
        int port = RawServers.closedPort();
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             EnvoyLikeProxy sidecar = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                     new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), Duration.ofSeconds(10), delay::get)) {
            FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(vertx, dump(sidecar.port()));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:%d
                    mode: sidecar
                    defaults: { interval: 100ms, probeTimeout: 15s, window: 1m, minSamples: 5, for: 1s }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem }, callers: [payments, checkout] }
                    envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                    kubernetes: { enabled: true }
                    """.formatted(port, sidecar.port(), admin.port(), admin.port()));
            Path log = dir.resolve("daemon.log");
            Process p = api.daemon(config, log);
            try {
                JsonNode t = EgressGatewayChainIT.awaitOrLog(log, "the callers' views resolved", () -> {
                    JsonNode x = EgressGatewayChainIT.target(port);
                    return x.get("views").size() == 2 && x.at("/views/0/source").asText().equals("destination_rule")
                            && x.at("/route/hops/0/source").asText().equals("envoy_admin") ? x : null;
                });
                assertThat(t.at("/route/hops/0/timeoutSeconds").asDouble()).as("the probe's own sidecar: Istio's 10 s").isEqualTo(10.0);
                assertThat(t.at("/views/0/namespace").asText()).isEqualTo("payments");
                assertThat(t.at("/views/0/timeoutSeconds").asDouble()).isEqualTo(1.0);
                assertThat(t.at("/views/0/destinationRule").asText()).isEqualTo("payments/pay-1s");
                assertThat(t.at("/views/0/judged").asBoolean()).isTrue();
                assertThat(t.at("/views/1/namespace").asText()).isEqualTo("checkout");
                assertThat(t.at("/views/1/timeoutSeconds").asDouble()).as("the mesh's, batch's rule is no caller's").isEqualTo(10.0);
                assertThat(t.at("/views/1/source").asText()).isEqualTo("mesh_config");
                assertThat(t.at("/timeout/seconds").asDouble()).isEqualTo(1.0);
                assertThat(t.at("/timeout/view").asText()).isEqualTo("payments");

                delay.set(1_500); // beyond payments' 1 s, far within the probe's own 10 s
                JsonNode alert = EgressGatewayChainIT.awaitOrLog(log, "the latency alert on payments' view",
                        () -> EgressGatewayChainIT.activeAlert(port, "EgressConnectLatencyNearTimeout"));
                assertThat(alert.at("/annotations/recommendation").asText()).contains("payments");
                assertThat(alert.at("/annotations/description").asText()).as("one alert names each caller's own exposure")
                        .contains("By caller namespace: payments 1s (DestinationRule payments/pay-1s)", "; checkout 10s, utilization");
                assertThat(sidecar.connectTimeouts()).as("the probe's own connections were never cut").isZero();
                assertThat(EgressGatewayChainIT.target(port).at("/failuresSinceStart/envoy_connect_timeout").asLong()).isZero();
            } finally {
                Stop.process(p);
                admin.close();
            }
        }
    }
}
