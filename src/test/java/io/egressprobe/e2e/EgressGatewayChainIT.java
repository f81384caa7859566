package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.EnvoyLikeProxy;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.FakeEnvoyAdmin;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.IstioApi;
import io.egressprobe.testing.PrometheusText;
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
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two proxies in a chain, each an Envoy-like proxy with its own connect timeout: a sidecar stand-in (5 s) whose
 * listener sends the host's SNI to an egress gateway stand-in (500 ms) in front of the TLS server. The sidecar's admin
 * API serves the whole dump (listeners and clusters, as Envoy before 1.13 or a full dump answers); the gateway's
 * timeout is the DestinationRule in istio-system exported to the gateway's namespace only, in the fabric8 mock API
 * server. When the gateway's upstream connects turn slow, its cuts are recognised as the gateway hop's, and
 * EgressConnectTimeouts fires with advice that names the gateway's rule.
 */
class EgressGatewayChainIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String GATEWAY_CLUSTER = "outbound|443|egress|istio-egressgateway.istio-system.svc.cluster.local";

    @TempDir
    Path dir;
    IstioApi api;

    @AfterEach
    void tearDown() throws Exception {
        if (api != null) {
            api.close();
        }
    }

    /** The sidecar's whole /config_dump: its clusters, and a 0.0.0.0 listener whose SNI chain leads to the gateway. */
    static String dump(int port) {
        String clusters = """
                {"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [
                 {"cluster": {"name": "PassthroughCluster", "connect_timeout": "10s"}},
                 {"cluster": {"name": "outbound|%d||identity.test", "connect_timeout": "10s"}},
                 {"cluster": {"name": "%s", "connect_timeout": "5s",
                   "transport_socket": {"name": "envoy.transport_sockets.tls", "typed_config": {"sni": "outbound_.443_.egress_.istio-egressgateway.istio-system.svc.cluster.local"}}}}]}
                """.formatted(port, GATEWAY_CLUSTER);
        String listeners = """
                {"@type": "type.googleapis.com/envoy.admin.v3.ListenersConfigDump", "dynamic_listeners": [
                 {"name": "0.0.0.0_%d", "active_state": {"listener": {"name": "0.0.0.0_%d",
                   "address": {"socket_address": {"address": "0.0.0.0", "port_value": %d}},
                   "filter_chains": [{"filter_chain_match": {"server_names": ["identity.test"]}, "filters": [
                     {"name": "envoy.filters.network.tcp_proxy", "typed_config": {"cluster": "%s"}}]}]}}},
                 {"name": "virtualOutbound", "active_state": {"listener": {"name": "virtualOutbound", "use_original_dst": true,
                   "address": {"socket_address": {"address": "0.0.0.0", "port_value": 15001}},
                   "filter_chains": [{"filters": [{"name": "envoy.filters.network.tcp_proxy", "typed_config": {"cluster": "PassthroughCluster"}}]}]}}}]}
                """.formatted(port, port, port, GATEWAY_CLUSTER);
        return "{\"configs\": [" + clusters + "," + listeners + "]}";
    }

    /** The gateway's own rule for the host, exported to the gateway's namespace only. */
    void apiServer() {
        api = IstioApi.start("10s");
        api.destinationRule("istio-system", "identity-from-gateway", "identity.test", List.of("."), "500ms");
    }

    @Test
    void shouldReportBothHopsAndRecogniseTheGatewaysCutAsItsOwn() throws Exception {
        TestPki pki = new TestPki(dir);
        apiServer();
        try (Chain chain = Chain.start(dir, pki, api)) {
            int port = chain.port();
            Path log = chain.log();
            AtomicLong gatewayDelay = chain.gatewayDelay();
            JsonNode route = awaitOrLog(log, "both hops, the gateway's from its rule", () -> {
                JsonNode r = target(port).get("route");
                return r.get("hops").size() == 2 && r.at("/hops/1/source").asText().equals("destination_rule") ? r : null;
            });
            assertThat(route.at("/hops/0/hop").asText()).isEqualTo("sidecar");
            assertThat(route.at("/hops/0/cluster").asText()).isEqualTo(GATEWAY_CLUSTER);
            assertThat(route.at("/hops/0/timeoutSeconds").asDouble()).isEqualTo(5.0);
            assertThat(route.at("/hops/1/hop").asText()).isEqualTo("egress_gateway");
            assertThat(route.at("/hops/1/timeoutSeconds").asDouble()).isEqualTo(0.5);
            assertThat(route.at("/hops/1/destinationRule").asText()).isEqualTo("istio-system/identity-from-gateway");
            assertThat(route.get("limitingHop").asText()).isEqualTo("egress_gateway");
            assertThat(route.at("/hops/0/verdict").asText()).startsWith("in-cluster leg: bounds only its connect to the egress_gateway");
            assertThat(route.at("/hops/1/verdict").asText()).startsWith("dials the host");
            assertThat(target(port).at("/timeout/seconds").asDouble()).as("the limit is the hop that dials the host").isEqualTo(0.5);
            var metrics = PrometheusText.parse(Http.get(port, "/metrics").body());
            assertThat(PrometheusText.value(metrics, "egress_probe_hop_connect_timeout_seconds",
                    "egress_probe_hop_connect_timeout_seconds", Map.of("hop", "egress_gateway"))).contains(0.5);
            assertThat(PrometheusText.value(metrics, "egress_probe_hop_connect_timeout_seconds",
                    "egress_probe_hop_connect_timeout_seconds", Map.of("hop", "sidecar"))).contains(5.0);

            gatewayDelay.set(800); // beyond the gateway's 500 ms, far within the sidecar's 5 s
            JsonNode cut = awaitOrLog(log, "cuts counted as the gateway's", () -> {
                JsonNode t = target(port);
                return t.at("/route/hops/1/cuts").asLong() >= 3 ? t : null;
            });
            assertThat(cut.at("/route/hops/0/cuts").asLong()).as("none is the sidecar's").isZero();
            assertThat(cut.at("/failuresSinceStart/envoy_connect_timeout").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(cut.at("/lastFailure/detail").asText()).contains("the egress_gateway's 500 ms connect timeout")
                    .contains("istio-system/identity-from-gateway");
            JsonNode alert = awaitOrLog(log, "EgressConnectTimeouts fires", () -> activeAlert(port, "EgressConnectTimeouts"));
            assertThat(alert.at("/annotations/summary").asText()).contains("at the egress_gateway");
            assertThat(alert.at("/annotations/recommendation").asText()).contains("istio-system/identity-from-gateway")
                    .contains("namespace: istio-system");
            assertThat(chain.gateway().connectTimeouts()).as("the gateway stand-in did cut").isGreaterThanOrEqualTo(3);
            assertThat(chain.sidecar().connectTimeouts()).isZero();
        }
    }

    /**
     * Issue 29 item 7: the gateway's VirtualService sends the sidecar's port 443 on to port 8443 and subset
     * {@code egress-fast}, whose policy for that port sets 500 ms beside the rule's top-level 5 s. The gateway hop's
     * timeout is the subset's, shown with the service that routed it; the gateway stand-in cuts at it, and the advice
     * edits that subset.
     */
    @Test
    void shouldTakeTheGatewaysTimeoutFromTheSubsetItsVirtualServiceRoutesTo() throws Exception {
        TestPki pki = new TestPki(dir);
        api = IstioApi.start("10s");
        api.destinationRule("istio-system", "identity-gateway-rule", Map.of("host", "identity.test",
                "trafficPolicy", Map.of("connectionPool", Map.of("tcp", Map.of("connectTimeout", "5s"))),
                "subsets", List.of(Map.of("name", "egress-fast", "trafficPolicy", Map.of("portLevelSettings", List.of(Map.of(
                        "port", Map.of("number", 8443), "connectionPool", Map.of("tcp", Map.of("connectTimeout", "500ms")))))))));
        api.virtualService("istio-system", "identity-through-gateway", Map.of("hosts", List.of("identity.test"),
                "gateways", List.of("istio-egressgateway", "mesh"),
                "tls", List.of(Map.of("match", List.of(Map.of("gateways", List.of("istio-egressgateway"), "port", 443,
                                "sniHosts", List.of("identity.test"))),
                        "route", List.of(Map.of("destination", Map.of("host", "identity.test", "subset", "egress-fast",
                                "port", Map.of("number", 8443))))))));
        try (Chain chain = Chain.start(dir, pki, api)) {
            int port = chain.port();
            Path log = chain.log();
            AtomicLong gatewayDelay = chain.gatewayDelay();
            JsonNode route = awaitOrLog(log, "the gateway hop routed by its VirtualService", () -> {
                JsonNode r = target(port).get("route");
                return r.get("hops").size() == 2 && r.at("/hops/1/routedBy").isTextual() ? r : null;
            });
            assertThat(route.at("/hops/1/routedBy").asText()).isEqualTo("VirtualService istio-system/identity-through-gateway");
            assertThat(route.at("/hops/1/cluster").asText()).isEqualTo("outbound|8443|egress-fast|identity.test");
            assertThat(route.at("/hops/1/timeoutSeconds").asDouble()).as("the subset's, not the rule's top-level 5 s")
                    .isEqualTo(0.5);
            assertThat(route.at("/hops/1/destinationRule").asText()).isEqualTo("istio-system/identity-gateway-rule");
            assertThat(target(port).at("/timeout/seconds").asDouble()).isEqualTo(0.5);

            gatewayDelay.set(800); // beyond the subset's 500 ms, within the rule's top-level 5 s
            JsonNode alert = awaitOrLog(log, "EgressConnectTimeouts fires", () -> activeAlert(port, "EgressConnectTimeouts"));
            assertThat(target(port).at("/route/hops/1/cuts").asLong()).isGreaterThanOrEqualTo(3);
            assertThat(alert.at("/annotations/recommendation").asText()).as("the subset in effect is the one to edit")
                    .contains("subset egress-fast").contains("- name: egress-fast").contains("istio-system/identity-gateway-rule");
        }
    }

    /**
     * The TLS server behind the gateway stand-in (500 ms, its upstream connects slowed by {@code gatewayDelay}) behind
     * the sidecar stand-in (5 s), the sidecar's admin API serving {@link #dump}, and the daemon run against them and
     * {@code api}; closed in the reverse order.
     */
    record Chain(Vertx vertx, TlsTargetServer server, EnvoyLikeProxy gateway, EnvoyLikeProxy sidecar, FakeEnvoyAdmin admin,
                 int port, Path log, AtomicLong gatewayDelay, Process daemon) implements AutoCloseable {

        static Chain start(Path dir, TestPki pki, IstioApi api) throws Exception {
            Vertx vertx = Vertx.vertx();
            AtomicLong gatewayDelay = new AtomicLong();
            int port = RawServers.closedPort();
            TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
            EnvoyLikeProxy gateway = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), server.port()), Duration.ofMillis(500), gatewayDelay::get);
            EnvoyLikeProxy sidecar = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                    new InetSocketAddress(InetAddress.getLoopbackAddress(), gateway.port()), Duration.ofSeconds(5), () -> 0);
            FakeEnvoyAdmin admin = FakeEnvoyAdmin.start(vertx, dump(sidecar.port()));
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:%d
                    mode: sidecar
                    defaults: { interval: 100ms, probeTimeout: 3s, window: 1m, minSamples: 5, for: 1s }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                    kubernetes: { enabled: true }
                    """.formatted(port, sidecar.port(), admin.port(), admin.port()));
            Path log = dir.resolve("daemon.log");
            return new Chain(vertx, server, gateway, sidecar, admin, port, log, gatewayDelay, api.daemon(config, log));
        }

        @Override
        public void close() throws Exception {
            Stop.process(daemon);
            admin.close();
            sidecar.close();
            gateway.close();
            server.close();
            Stop.await(vertx.close(), Duration.ofSeconds(10));
        }
    }

    /** The alert named {@code alertname} among the daemon's active ones, or null. */
    static JsonNode activeAlert(int port, String alertname) throws Exception {
        for (JsonNode a : JSON.readTree(Http.get(port, "/api/v1/alerts").body()).get("active")) {
            if (a.get("alertname").asText().equals(alertname)) {
                return a;
            }
        }
        return null;
    }

    static JsonNode target(int port) throws Exception {
        return JSON.readTree(Http.get(port, "/api/v1/targets").body()).get("targets").get(0);
    }

    interface Probe {
        JsonNode get() throws Exception;
    }

    static JsonNode awaitOrLog(Path log, String what, Probe probe) throws Exception {
        JsonNode[] found = new JsonNode[1];
        try {
            await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(300)).ignoreExceptions()
                    .until(() -> (found[0] = probe.get()) != null);
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(what + " did not happen; the daemon's log:\n" + Files.readString(log), e);
        }
        return found[0];
    }
}
