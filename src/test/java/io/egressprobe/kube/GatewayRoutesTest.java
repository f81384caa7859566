package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The egress gateway's own leg as Istio routes it from the VirtualServices bound to a Gateway: the shapes of Istio's
 * egress gateway tasks, the name rules with the cases of Istio's own tests ({@code pilot/pkg/model/virtualservice_test.go}
 * {@code gatewayNameTests}, {@code pkg/config/host/name_test.go} {@code TestNameMatches}), and the gateway's TLS route
 * of {@code pilot/pkg/networking/core/gateway_test.go} {@code TestGatewayFilterChainSNIOverlap}.
 */
class GatewayRoutesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<GatewayRoutes.Service> services(String yaml) throws IOException {
        List<GatewayRoutes.Service> out = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            int age = 0;
            while (it.hasNext()) {
                JsonNode d = it.next();
                if (!d.path("kind").asText().equals("VirtualService")) {
                    continue;
                }
                GatewayRoutes.prune(d.at("/metadata/namespace").asText(), d.at("/metadata/name").asText(),
                        Instant.EPOCH.plusSeconds(age++), d.get("spec")).ifPresent(out::add);
            }
        }
        return out;
    }

    static Optional<GatewayRoutes.Leg> resolve(String yaml, String gatewayNamespace, int port, String host) throws IOException {
        return GatewayRoutes.resolve(services(yaml), gatewayNamespace, port, host, host, "/");
    }

    @ParameterizedTest(name = "{0} in {1} is {2}")
    @CsvSource({"./gateway,default,default/gateway", "gateway,default,default/gateway", "default/gateway,foo,default/gateway",
            "gateway.default,default,default/gateway", "gateway.default,foo,default/gateway",
            "private.ingress.svc.cluster.local,foo,ingress/private"})
    void shouldResolveGatewayNamesAsIstioDoes(String gateway, String namespace, String resolved) {
        assertThat(GatewayRoutes.resolveGatewayName(gateway, namespace)).isEqualTo(resolved);
    }

    @ParameterizedTest(name = "{0} ~ {1}: {2}")
    @CsvSource({"foo.com,foo.com,true", "bar.com,foo.com,false", "bar.foo.com,foo.com,false", "foo.com,bar.foo.com,false",
            "*.com,foo.com,true", "*.foo.com,bar.foo.com,true", "*,foo.com,true", "*,*.com,true", "*.com,*.foo.com,true",
            "foo.com,*.foo.com,false", "*.foo.com,foo.com,false", "*.foo.bar.baz,baz,false", "a.facebook.com,*.facebook.COM,false"})
    void shouldMatchHostsAsIstioDoes(String a, String b, boolean overlap) {
        assertThat(GatewayRoutes.hostsMatch(a, b)).isEqualTo(overlap);
        assertThat(GatewayRoutes.hostsMatch(b, a)).as("order does not matter").isEqualTo(overlap);
    }

    /** The task's shape: port 80 at the gateway goes on to port 443 and the subset; the mesh's match is not the gateway's. */
    @Test
    void shouldSendTheGatewaysPort80OnToPort443AndTheSubsetOfTheTlsOriginationTask() throws IOException {
        String yaml = Files.readString(Path.of("src/test/resources/istio/virtualservice-egress-gateway-tls-origination.yaml"));

        GatewayRoutes.Leg leg = resolve(yaml, "istio-system", 80, "edition.cnn.com").orElseThrow();

        assertThat(leg.virtualService()).isEqualTo("default/direct-cnn-through-egress-gateway");
        assertThat(leg.gateway()).isEqualTo("default/istio-egressgateway");
        assertThat(leg.kind()).isEqualTo("http");
        assertThat(leg.upstreams()).extracting(GatewayRoutes.Upstream::cluster)
                .containsExactly("outbound|443|tls-origination|edition.cnn.com");
        assertThat(resolve(yaml, "istio-system", 443, "edition.cnn.com")).as("no route of the gateway's on port 443").isEmpty();
        assertThat(resolve(yaml, "istio-system", 80, "www.cnn.com")).as("another host").isEmpty();
    }

    /** Istio's "Egress gateway for HTTPS traffic": TLS passthrough, chosen by SNI and port. */
    @Test
    void shouldFollowTheTlsPassthroughRouteBySniAndPort() throws IOException {
        String yaml = """
                apiVersion: networking.istio.io/v1
                kind: VirtualService
                metadata: {name: direct-cnn-through-egress-gateway, namespace: default}
                spec:
                  hosts: [edition.cnn.com]
                  gateways: [mesh, istio-egressgateway]
                  tls:
                  - match:
                    - {gateways: [mesh], port: 443, sniHosts: [edition.cnn.com]}
                    route:
                    - destination: {host: istio-egressgateway.istio-system.svc.cluster.local, subset: cnn, port: {number: 443}}
                  - match:
                    - {gateways: [istio-egressgateway], port: 443, sniHosts: [edition.cnn.com]}
                    route:
                    - destination: {host: edition.cnn.com, port: {number: 443}}
                      weight: 100
                """;

        assertThat(resolve(yaml, "istio-system", 443, "edition.cnn.com").orElseThrow().upstreams())
                .extracting(GatewayRoutes.Upstream::cluster).containsExactly("outbound|443||edition.cnn.com");
        assertThat(resolve(yaml, "istio-system", 8443, "edition.cnn.com")).isEmpty();
    }

    /** gateway_test.go, "no sni overlap": a short destination host in the service's namespace, the listener's port. */
    @Test
    void shouldTakeTheListenersPortAndTheServicesNamespaceWhereTheDestinationNamesNeither() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: example, namespace: testns}
                spec:
                  gateways: [testns/gw]
                  hosts: [example.com]
                  tls:
                  - match: [{sniHosts: [example.com]}]
                    route: [{destination: {host: example}}]
                """;

        assertThat(resolve(yaml, "istio-system", 443, "example.com").orElseThrow().upstreams())
                .extracting(GatewayRoutes.Upstream::cluster).containsExactly("outbound|443||example.testns.svc.cluster.local");
    }

    /** Envoy takes the exact server name before a wildcard, whatever the order the chains were written in. */
    @Test
    void shouldPreferTheExactSniChainToAnEarlierWildcardOne() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: wildcard, namespace: egress}
                spec:
                  gateways: [egress-gw]
                  hosts: ["*.example.com"]
                  tls:
                  - match: [{port: 443, sniHosts: ["*.example.com"]}]
                    route: [{destination: {host: wildcard-proxy.egress.svc.cluster.local, port: {number: 3128}}}]
                ---
                kind: VirtualService
                metadata: {name: exact, namespace: egress}
                spec:
                  gateways: [egress-gw]
                  hosts: [api.example.com]
                  tls:
                  - match: [{port: 443, sniHosts: [api.example.com]}]
                    route: [{destination: {host: api.example.com, port: {number: 443}}}]
                """;

        assertThat(resolve(yaml, "egress", 443, "api.example.com").orElseThrow().virtualService()).isEqualTo("egress/exact");
        assertThat(resolve(yaml, "egress", 443, "www.example.com").orElseThrow().virtualService()).isEqualTo("egress/wildcard");
    }

    /** Each weighted destination is a share of its own; the mesh-only service is no gateway's. */
    @Test
    void shouldKeepEachWeightedDestinationAndIgnoreMeshOnlyServices() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: mesh-only, namespace: default}
                spec:
                  hosts: [api.example.com]
                  tcp: [{route: [{destination: {host: elsewhere.example.com}}]}]
                ---
                kind: VirtualService
                metadata: {name: split, namespace: istio-system}
                spec:
                  hosts: [api.example.com]
                  gateways: [istio-egressgateway]
                  tcp:
                  - match: [{port: 443}]
                    route:
                    - {destination: {host: api.example.com, subset: blue, port: {number: 443}}, weight: 80}
                    - {destination: {host: api.example.com, subset: green, port: {number: 443}}, weight: 20}
                """;

        assertThat(services(yaml)).extracting(GatewayRoutes.Service::name).containsExactly("split");
        GatewayRoutes.Leg leg = resolve(yaml, "istio-system", 443, "api.example.com").orElseThrow();
        assertThat(leg.kind()).isEqualTo("tcp");
        assertThat(leg.upstreams()).containsExactly(new GatewayRoutes.Upstream("api.example.com", 443, "blue", 80),
                new GatewayRoutes.Upstream("api.example.com", 443, "green", 20));
    }

    /** A service exported only to its own namespace is not the gateway's in another; one private to it comes first. */
    @Test
    void shouldHonourExportToAndPutTheGatewayNamespacesOwnServiceFirst() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: hidden, namespace: payments}
                spec:
                  exportTo: ["."]
                  hosts: [api.example.com]
                  gateways: [istio-system/istio-egressgateway]
                  tcp: [{route: [{destination: {host: api.example.com, port: {number: 9443}}}]}]
                ---
                kind: VirtualService
                metadata: {name: team-route, namespace: payments}
                spec:
                  hosts: [api.example.com]
                  gateways: [istio-system/istio-egressgateway]
                  tcp: [{route: [{destination: {host: api.example.com, port: {number: 8443}}}]}]
                ---
                kind: VirtualService
                metadata: {name: platform-route, namespace: istio-system}
                spec:
                  exportTo: ["."]
                  hosts: [api.example.com]
                  gateways: [istio-egressgateway]
                  tcp: [{route: [{destination: {host: api.example.com, port: {number: 443}}}]}]
                """;

        assertThat(resolve(yaml, "istio-system", 443, "api.example.com").orElseThrow().virtualService())
                .isEqualTo("istio-system/platform-route");
        assertThat(resolve(yaml.substring(0, yaml.lastIndexOf("---")), "istio-system", 443, "api.example.com").orElseThrow()
                .virtualService()).as("the older one private to payments never").isEqualTo("payments/team-route");
    }

    /** The HTTP routes are tried in order against the probe's own request: its path, GET, its host. */
    @Test
    void shouldTakeTheFirstHttpRouteThatMatchesTheProbesRequest() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: api, namespace: istio-system}
                spec:
                  hosts: [api.example.com]
                  gateways: [istio-egressgateway]
                  http:
                  - match: [{uri: {prefix: /v2}, port: 80}]
                    route: [{destination: {host: api-v2.example.com, port: {number: 443}}}]
                  - match: [{headers: {x-canary: {exact: "1"}}}]
                    route: [{destination: {host: canary.example.com, port: {number: 443}}}]
                  - route: [{destination: {host: api.example.com, port: {number: 443}}}]
                """;
        List<GatewayRoutes.Service> services = services(yaml);

        assertThat(GatewayRoutes.resolve(services, "istio-system", 80, "api.example.com", "api.example.com", "/v2/health")
                .orElseThrow().upstreams().get(0).host()).isEqualTo("api-v2.example.com");
        assertThat(GatewayRoutes.resolve(services, "istio-system", 80, "api.example.com", "api.example.com", "/healthz")
                .orElseThrow().upstreams().get(0).host()).as("no x-canary header on the probe's request").isEqualTo("api.example.com");
    }
}
