package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.kube.DestinationRules;
import io.egressprobe.kube.IstioResources;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.ConfiguredTimeout;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteFault;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Routes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The route the daemon resolves from a sidecar's whole config dump (listeners, route configs and clusters), with the
 * Istio resources beside it: the constructed topologies of src/test/resources/envoy/SOURCES.md, and every real capture.
 */
class SidecarTopologyTest {
    static final Path ENVOY = Path.of("src/test/resources/envoy");
    static final Path REAL = Path.of("src/test/resources/envoy-real");
    static final String OWN_NAMESPACE = "probe-system";

    static SidecarConfig sidecar(Path dump) throws IOException {
        String body = Files.readString(dump);
        return new SidecarConfig(ConfigDumpParser.parse(body), Optional.of(ConfigDumpParser.parseListeners(List.of(body))),
                OWN_NAMESPACE, Optional.empty());
    }

    static IstioResources istio(Optional<Duration> mesh) throws IOException {
        List<DestinationRules.Rule> rules = new ArrayList<>();
        try (MappingIterator<JsonNode> it = new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class)
                .readValues(Files.readString(Path.of("src/test/resources/istio/destinationrule-egress-gateway-topology.yaml")))) {
            it.forEachRemaining(d -> rules.add(new DestinationRules.Rule(d.at("/metadata/namespace").asText(),
                    d.at("/metadata/name").asText(), d.get("spec"))));
        }
        return new IstioResources(rules, mesh);
    }

    static Route resolve(RouteSource sidecar, IstioResources istio, String host, int port) {
        return Routes.resolve(new Destination(host, port), Routes.implied(ProbePath.SIDECAR, OWN_NAMESPACE),
                List.of(sidecar, new ConfiguredTimeout(Optional.empty()), istio));
    }

    @Test
    void shouldFollowTheSniChainToTheEgressGatewayAndTakeTheGatewaysOwnRule() throws IOException {
        Route route = resolve(sidecar(ENVOY.resolve("config_dump_topology_egress_gateway_sni_subset.json")),
                istio(Optional.of(Duration.ofSeconds(5))), "edition.cnn.com", 443);

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.SIDECAR, HopKind.EGRESS_GATEWAY);
        Hop sidecar = route.hops().get(0);
        assertThat(sidecar.timeout().cluster()).as("the gateway's subset cluster, not the host's own cluster in the dump")
                .contains("outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local");
        assertThat(sidecar.timeout().value()).isEqualTo(Duration.ofSeconds(10));
        assertThat(sidecar.originatesTls()).as("mTLS to the gateway carries the application's TLS inside").isFalse();
        Hop gateway = route.hops().get(1);
        assertThat(gateway.ref().namespace()).isEqualTo("istio-system");
        assertThat(gateway.timeout().value()).as("the rule exported to the gateway's namespace, not the probe's")
                .isEqualTo(Duration.ofMillis(500));
        assertThat(gateway.rule()).contains("istio-system/edition-cnn-com-from-gateway");
        assertThat(route.limit()).isEqualTo(gateway);
        assertThat(route.originatesTls()).isFalse();
    }

    @Test
    void shouldGiveTheGatewayTheMeshTimeoutWhereNoRuleIsVisibleToIt() throws IOException {
        Route route = resolve(sidecar(ENVOY.resolve("config_dump_topology_egress_gateway_sni_subset.json")),
                new IstioResources(List.of(), Optional.of(Duration.ofSeconds(4))), "edition.cnn.com", 443);

        assertThat(route.hops().get(1).timeout().source()).isEqualTo(TimeoutSource.MESH_CONFIG);
        assertThat(route.timeout().value()).isEqualTo(Duration.ofSeconds(4));
    }

    @Test
    void shouldTakeTheTighterOfWeightedClustersAndSaySo() throws IOException {
        Route route = resolve(sidecar(ENVOY.resolve("config_dump_topology_weighted_clusters.json")),
                new IstioResources(List.of(), Optional.empty()), "api.payments.example.com", 443);

        assertThat(route.hops()).hasSize(1);
        assertThat(route.timeout().cluster()).contains("outbound|443||api-canary.payments.example.com");
        assertThat(route.timeout().value()).isEqualTo(Duration.ofMillis(500));
        assertThat(route.notes()).anyMatch(n -> n.contains("api.payments.example.com 90% (1000 ms)")
                && n.contains("api-canary.payments.example.com 10% (500 ms)"));
        assertThat(route.dnsFamily()).as("the cluster's dns_lookup_family, which the probe follows with ipFamily auto")
                .contains(AddressFamily.V4_ONLY);
    }

    /** Envoy's names for the lookup family, and the one the probe's own attempts follow on the sidecar path. */
    @Test
    void shouldFollowTheClustersLookupFamily() {
        assertThat(AddressFamily.ofEnvoy("AUTO")).as("Envoy's AUTO prefers IPv6").contains(AddressFamily.V6_PREFERRED);
        assertThat(AddressFamily.ofEnvoy("V6_ONLY")).contains(AddressFamily.V6_ONLY);
        assertThat(AddressFamily.ofEnvoy("ALL")).contains(AddressFamily.ALL);
        assertThat(AddressFamily.ofEnvoy("")).isEmpty();
    }

    @Test
    void shouldSeeTheSidecarOriginateTlsOnTheHttpPort() throws IOException {
        SidecarConfig sidecar = sidecar(ENVOY.resolve("config_dump_topology_tls_origination.json"));
        IstioResources istio = new IstioResources(List.of(), Optional.empty());

        Route http = resolve(sidecar, istio, "edition.cnn.com", 80);
        Route https = resolve(sidecar, istio, "edition.cnn.com", 443);

        assertThat(http.timeout().cluster()).contains("outbound|80||edition.cnn.com");
        assertThat(http.timeout().value()).isEqualTo(Duration.ofSeconds(2));
        assertThat(http.originatesTls()).isTrue();
        assertThat(http.notes()).anyMatch(n -> n.contains("plain HTTP"));
        assertThat(https.originatesTls()).as("port 443 passes the application's TLS through").isFalse();
    }

    @Test
    void shouldTellTlsOriginationFromTheDestinationRuleWhereTheSidecarIsNotRead() throws IOException {
        Route elsewhere = Routes.resolve(new Destination("edition.cnn.com", 80), Routes.implied(ProbePath.SIDECAR, "apps"),
                List.of(new ConfiguredTimeout(Optional.empty()), istio(Optional.empty())));
        Route own = Routes.resolve(new Destination("edition.cnn.com", 80), Routes.implied(ProbePath.SIDECAR, OWN_NAMESPACE),
                List.of(new ConfiguredTimeout(Optional.empty()), istio(Optional.empty())));

        assertThat(elsewhere.originatesTls()).as("the root namespace's rule applies where the namespace has none").isTrue();
        assertThat(elsewhere.timeout().source()).isEqualTo(TimeoutSource.ISTIO_DEFAULT);
        assertThat(own.originatesTls()).as("one rule applies, the namespace's own: Istio merges none across namespaces")
                .isFalse();
        assertThat(own.timeout().value()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void shouldCallAnUndeclaredHostUnderRegistryOnlyAFaultAndADeclaredOneNot() throws IOException {
        SidecarConfig sidecar = sidecar(ENVOY.resolve("config_dump_topology_registry_only.json"));
        IstioResources istio = new IstioResources(List.of(), Optional.empty());

        Route blocked = resolve(sidecar, istio, "undeclared.example.com", 443);
        Route otherPort = resolve(sidecar, istio, "undeclared.example.com", 8443);
        Route declared = resolve(sidecar, istio, "api.declared.example.com", 443);

        assertThat(blocked.fault()).contains(RouteFault.REGISTRY_ONLY);
        assertThat(blocked.timeout().cluster()).contains(ClusterName.BLACK_HOLE);
        assertThat(otherPort.fault()).as("no listener for the port: virtualOutbound's catch-all").contains(RouteFault.REGISTRY_ONLY);
        assertThat(declared.fault()).isEmpty();
        assertThat(declared.timeout().value()).isEqualTo(Duration.ofSeconds(3));
        assertThat(RouteFault.REGISTRY_ONLY.advice(new Destination("undeclared.example.com", 443)))
                .contains("the mesh blocks undeclared hosts").contains("add a ServiceEntry for undeclared.example.com");
    }

    /**
     * Envoy takes the exact server name whatever the order of the chains ({@code FilterChainManagerImpl}): a
     * {@code *.cnn.com} chain to the egress gateway listed before the exact chain to the host's own cluster.
     */
    @Test
    void shouldTakeTheExactServerNameBeforeAWildcardListedFirst() throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode dump = json.readTree(Files.readString(ENVOY.resolve("config_dump_topology_egress_gateway_sni_subset.json")));
        for (JsonNode config : dump.get("configs")) {
            for (JsonNode entry : config.path("dynamic_listeners")) {
                JsonNode listener = entry.at("/active_state/listener");
                if (listener.path("name").asText().equals("0.0.0.0_443")) {
                    ArrayNode chains = (ArrayNode) listener.get("filter_chains");
                    ObjectNode exact = (ObjectNode) chains.get(0);
                    ObjectNode wildcard = exact.deepCopy();
                    ((ArrayNode) wildcard.at("/filter_chain_match/server_names")).removeAll().add("*.cnn.com");
                    ((ObjectNode) exact.at("/filters/1/typed_config"))
                            .put("cluster", "outbound|443||edition.cnn.com");
                    chains.insert(0, wildcard);
                }
            }
        }
        String body = json.writeValueAsString(dump);
        SidecarConfig sidecar = new SidecarConfig(ConfigDumpParser.parse(body), Optional.of(ConfigDumpParser.parseListeners(List.of(body))),
                OWN_NAMESPACE, Optional.empty());
        IstioResources none = new IstioResources(List.of(), Optional.empty());

        Route exactHost = resolve(sidecar, none, "edition.cnn.com", 443);
        Route otherHost = resolve(sidecar, none, "www.cnn.com", 443);

        assertThat(exactHost.hops()).extracting(Hop::kind).containsExactly(HopKind.SIDECAR);
        assertThat(exactHost.timeout().cluster()).contains("outbound|443||edition.cnn.com");
        assertThat(otherHost.hops()).extracting(Hop::kind).containsExactly(HopKind.SIDECAR, HopKind.EGRESS_GATEWAY);
        assertThat(otherHost.hops().get(0).timeout().cluster())
                .contains("outbound|443|cnn|istio-egressgateway.istio-system.svc.cluster.local");
    }

    /**
     * The real Istio 1.24 sidecar's port-443 listeners (istioctl form, converted: envoy-real/SOURCES.md), against the
     * truth SOURCES.md gives: SNI www.google.com to the forward proxy's cluster (the CONNECT tunnel), any other name
     * to PassthroughCluster by the default chain, the API server's address to its own listener.
     */
    @Test
    void shouldResolveTheRealIstio124SniTunnelListenersToTheirTruth() throws IOException {
        SidecarListeners listeners = ConfigDumpParser.parseListeners(List.of(Files.readString(
                REAL.resolve("listeners_istio1.24_sidecar_sni-tunnel-via-forward-proxy_admin-form.json"))));

        SidecarListeners.Decision google = listeners.route("www.google.com", 443).orElseThrow();
        SidecarListeners.Decision other = listeners.route("login.example.com", 443).orElseThrow();
        SidecarListeners.Decision googleByAddress = listeners.route("www.google.com", 443,
                SidecarListeners.Presentation.tls("www.google.com"), FilterChainMatch.literal("142.250.74.100")).orElseThrow();
        SidecarListeners.Decision apiServer = listeners.route("kubernetes.default.svc.cluster.local", 443,
                SidecarListeners.Presentation.tls("kubernetes.default.svc.cluster.local"), FilterChainMatch.literal("10.96.0.1")).orElseThrow();

        assertThat(google.clusters()).extracting(SidecarListeners.WeightedCluster::name)
                .containsExactly("outbound|8080||cba.proxy.prismaaccess.com");
        assertThat(google.fallback()).isFalse();
        assertThat(google.via()).isEqualTo("0.0.0.0_443 (SNI www.google.com)");
        assertThat(googleByAddress.clusters()).isEqualTo(google.clusters());
        assertThat(other.clusters()).extracting(SidecarListeners.WeightedCluster::name).containsExactly(ClusterName.PASSTHROUGH);
        assertThat(other.fallback()).isTrue();
        assertThat(apiServer.clusters()).extracting(SidecarListeners.WeightedCluster::name)
                .containsExactly("outbound|443||kubernetes.default.svc.cluster.local");
    }

    /** As RealEnvoyAnswersIT resolves them from the clusters alone: the listeners must not change a single answer. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json, linkerd-web.linkerd.svc.cluster.local, 9994, true",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json, prometheus.istio-system.svc.cluster.local, 9090, true",
            "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json, kube-state-metrics.monitoring.svc.cluster.local, 9443, true",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json, prometheus.istio-system.svc.cluster.local, 9090, true",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_ingressgateway.json, prometheus.istio-system.svc.cluster.local, 9090, false",
    })
    void shouldResolveEveryRealCaptureAsItsClustersAloneDo(String capture, String host, int port, boolean passthrough)
            throws IOException {
        SidecarConfig withListeners = sidecar(REAL.resolve(capture));
        SidecarConfig clustersOnly = new SidecarConfig(withListeners.clusters(), Optional.empty(), OWN_NAMESPACE, Optional.empty());
        IstioResources none = new IstioResources(List.of(), Optional.empty());

        assertThat(withListeners.listeners().orElseThrow().listeners()).isNotEmpty();
        for (String[] target : new String[][] {{host, Integer.toString(port)}, {"not-declared.example.com", "443"}}) {
            Route listened = resolve(withListeners, none, target[0], Integer.parseInt(target[1]));
            Route clusters = resolve(clustersOnly, none, target[0], Integer.parseInt(target[1]));
            assertThat(listened.timeout()).as(target[0]).isEqualTo(clusters.timeout());
            assertThat(listened.hops()).hasSize(1);
            assertThat(listened.fault()).isEmpty();
        }
        Route undeclared = resolve(withListeners, none, "not-declared.example.com", 443);
        assertThat(undeclared.timeout().cluster().orElse("")).isEqualTo(passthrough ? ClusterName.PASSTHROUGH : "");
        // Views by address only where the sidecar connects to the dialed address: PassthroughCluster and a headless
        // service (ORIGINAL_DST: kube-state-metrics in the 1.18 capture), not a service's EDS cluster, whose endpoints
        // the sidecar balances over itself.
        if (passthrough) {
            assertThat(undeclared.upstreamPick()).contains(io.egressprobe.route.UpstreamPick.DIALED);
            assertThat(resolve(withListeners, none, host, port).upstreamPick()).as(host).contains(host.startsWith("kube-state-metrics")
                    ? io.egressprobe.route.UpstreamPick.DIALED : io.egressprobe.route.UpstreamPick.PROXY_BALANCES);
        }
    }
}
