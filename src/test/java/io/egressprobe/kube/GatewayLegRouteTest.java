package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.route.Routes;
import io.egressprobe.route.Share;
import io.egressprobe.route.Topology;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The gateway hop of a route through an egress gateway, with its VirtualService read: the gateway's cluster is the one
 * its route names (port and subset), and its connect timeout the DestinationRule's for that cluster in the gateway's
 * view (the subset's policy over the rule's).
 */
class GatewayLegRouteTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final Path TLS_ORIGINATION = Path.of("src/test/resources/istio/virtualservice-egress-gateway-tls-origination.yaml");

    /** The fixture's DestinationRules, and its VirtualServices pruned as the reader's store prunes them. */
    static IstioResources istio(String yaml) throws IOException {
        List<DestinationRules.Rule> rules = new ArrayList<>();
        List<GatewayRoutes.Service> services = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode d = it.next();
                String ns = d.at("/metadata/namespace").asText();
                String name = d.at("/metadata/name").asText();
                if (d.path("kind").asText().equals("DestinationRule")) {
                    rules.add(new DestinationRules.Rule(ns, name, d.get("spec")));
                } else {
                    GatewayRoutes.prune(ns, name, Instant.EPOCH, d.get("spec")).ifPresent(services::add);
                }
            }
        }
        // The ServiceEntry for edition.cnn.com lives in default, as in the task: the gateway sees that namespace's rules.
        return new IstioResources(rules, Optional.empty()).withServiceNamespaces(Map.of("edition.cnn.com", "default"))
                .withGatewayRoutes(services);
    }

    /** The sidecar sends port 80 to the gateway Service's port 80 (its cluster says so), the gateway in istio-system. */
    static Route route(IstioResources istio, String host, int port) {
        Topology throughGateway = new Topology(List.of(
                new HopRef(HopKind.SIDECAR, "default", Optional.of("outbound|80|cnn|istio-egressgateway.istio-system.svc.cluster.local")),
                new HopRef(HopKind.EGRESS_GATEWAY, "istio-system", Optional.empty(), Optional.of(80), Optional.empty())),
                Optional.empty(), List.of());
        return Routes.resolve(new Destination(host, port), throughGateway, List.of(istio));
    }

    @Test
    void shouldTakeTheGatewaysTimeoutFromTheSubsetOfItsRouteInTheTlsOriginationShape() throws IOException {
        Route route = route(istio(Files.readString(TLS_ORIGINATION)), "edition.cnn.com", 80);

        Hop gateway = route.limit();
        assertThat(gateway.kind()).isEqualTo(HopKind.EGRESS_GATEWAY);
        assertThat(gateway.ref().cluster()).contains("outbound|443|tls-origination|edition.cnn.com");
        assertThat(gateway.ref().routedBy()).contains("VirtualService default/direct-cnn-through-egress-gateway");
        assertThat(gateway.timeout().value()).as("the subset's port-443 entry, not the rule's top-level 5s")
                .isEqualTo(Duration.ofSeconds(1));
        assertThat(gateway.timeout().source()).isEqualTo(TimeoutSource.DESTINATION_RULE);
        assertThat(gateway.rule()).contains("default/originate-tls-for-edition-cnn-com");
        assertThat(gateway.originatesTls()).as("the gateway opens TLS to port 443").isTrue();
    }

    /** Without the subset in the route, the rule's own policy for port 443 applies: its entry sets no pool, so none. */
    @Test
    void shouldTakeTheRulesPort443PolicyWhereTheRouteNamesNoSubset() throws IOException {
        String yaml = Files.readString(TLS_ORIGINATION).replace("subset: tls-origination      # changed: the task names no subset", "");

        Hop gateway = route(istio(yaml), "edition.cnn.com", 80).limit();

        assertThat(gateway.ref().cluster()).contains("outbound|443||edition.cnn.com");
        assertThat(gateway.timeout().source()).as("the port-443 entry replaces the whole policy, connectionPool included")
                .isEqualTo(TimeoutSource.ISTIO_DEFAULT);
        assertThat(gateway.originatesTls()).isTrue();
    }

    /** Without a VirtualService for the gateway, the gateway is taken to dial the target's own port, as before. */
    @Test
    void shouldKeepTheTargetsPortWhereNoVirtualServiceRoutesTheGateway() throws IOException {
        String yaml = Files.readString(TLS_ORIGINATION);
        IstioResources withoutRoutes = istio(yaml).withGatewayRoutes(List.of());

        Hop gateway = route(withoutRoutes, "edition.cnn.com", 80).limit();

        assertThat(gateway.ref().routedBy()).isEmpty();
        assertThat(gateway.timeout().value()).as("port 80 of the rule: its top level").isEqualTo(Duration.ofSeconds(5));
    }

    /** A gateway that splits between subsets: each share at its own subset's timeout, the hop at the tightest. */
    @Test
    void shouldGiveEachWeightedDestinationOfTheGatewayItsOwnSubsetsTimeout() throws IOException {
        String yaml = """
                kind: VirtualService
                metadata: {name: split, namespace: istio-system}
                spec:
                  hosts: [api.example.com]
                  gateways: [istio-egressgateway]
                  tcp:
                  - match: [{port: 80}]
                    route:
                    - {destination: {host: api.example.com, subset: blue, port: {number: 443}}, weight: 80}
                    - {destination: {host: api.example.com, subset: green, port: {number: 443}}, weight: 20}
                ---
                kind: DestinationRule
                metadata: {name: api, namespace: istio-system}
                spec:
                  host: api.example.com
                  trafficPolicy: {connectionPool: {tcp: {connectTimeout: 4s}}}
                  subsets:
                  - name: blue
                  - name: green
                    trafficPolicy: {connectionPool: {tcp: {connectTimeout: 2s}}}
                """;

        Hop gateway = route(istio(yaml), "api.example.com", 80).limit();

        assertThat(gateway.shares()).extracting(Share::cluster, Share::weight, s -> s.timeout().value()).containsExactly(
                org.assertj.core.groups.Tuple.tuple("outbound|443|blue|api.example.com", 80, Duration.ofSeconds(4)),
                org.assertj.core.groups.Tuple.tuple("outbound|443|green|api.example.com", 20, Duration.ofSeconds(2)));
        assertThat(gateway.timeout().value()).isEqualTo(Duration.ofSeconds(2));
        assertThat(gateway.ref().cluster()).contains("outbound|443|green|api.example.com");
    }
}
