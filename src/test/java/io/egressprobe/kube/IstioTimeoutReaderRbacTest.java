package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.testing.ApiRequest;
import io.egressprobe.testing.KubernetesCalls;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The DestinationRule reader against an API server that enforces the RBAC {@code k8s/} renders, as a real one does:
 * with the shipped grant it follows the rules through its informer; with a grant that lacks {@code watch} it still
 * reads them, one LIST per read and no refused WATCH each time, and says so.
 */
class IstioTimeoutReaderRbacTest {
    static final ResourceDefinitionContext DR = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("DestinationRule").withPlural("destinationrules").withNamespaced(true).build();

    static RbacGrant shipped() throws Exception {
        return RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe");
    }

    @Test
    void shouldFollowTheRulesThroughTheWatchWithTheShippedGrant() throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped()); KubernetesClient sa = api.serviceAccountClient();
             IstioTimeoutReader reader = new IstioTimeoutReader(sa, Optional.of(KubernetesCalls.POD))) {
            KubernetesCalls.seed(api.admin());

            for (int i = 0; i < 3; i++) {
                IstioTimeoutReader.Snapshot s = reader.read();
                assertThat(s.destinationRulesStatus()).isEqualTo("ok");
                assertThat(s.destinationRulesWatched()).isTrue();
                assertThat(DestinationRules.connectTimeout(s.destinationRules(), "payments.partner.example", 443, "payments"))
                        .contains(Duration.ofSeconds(2));
            }

            assertThat(api.denied()).as("%s", api.requestLines()).isEmpty();
            assertThat(destinationRuleRequests(api)).as("one LIST to find the served version, the informer's LIST and watch")
                    .extracting(ApiRequest::verb).containsExactly("list", "list", "watch");
        }
    }

    @Test
    void shouldListOncePerReadAndNotRetryTheWatchEachTimeWhereRbacRefusesIt() throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped().without("networking.istio.io", "destinationrules", "watch"));
             KubernetesClient sa = api.serviceAccountClient();
             IstioTimeoutReader reader = new IstioTimeoutReader(sa, Optional.of(KubernetesCalls.POD))) {
            KubernetesCalls.seed(api.admin());

            IstioTimeoutReader.Snapshot first = reader.read();
            api.forget();
            rule(api.admin(), "late", "late.partner.example", "3s");
            List<IstioTimeoutReader.Snapshot> next = List.of(reader.read(), reader.read(), reader.read(), reader.read());

            assertThat(first.destinationRulesStatus()).isEqualTo("ok, listed every refresh: watch forbidden (RBAC: grant watch"
                    + " on destinationrules.networking.istio.io)");
            assertThat(first.destinationRulesRead()).as("exported as destination_rules up").isTrue();
            assertThat(first.destinationRulesWatched()).as("exported as destination_rules_watch down").isFalse();
            assertThat(DestinationRules.connectTimeout(first.destinationRules(), "payments.partner.example", 443, "payments"))
                    .contains(Duration.ofSeconds(2));
            assertThat(next).allSatisfy(s -> {
                assertThat(s.destinationRulesStatus()).isEqualTo(first.destinationRulesStatus());
                assertThat(DestinationRules.connectTimeout(s.destinationRules(), "late.partner.example", 443, "payments"))
                        .as("a rule created since is read at the next refresh").contains(Duration.ofSeconds(3));
            });
            assertThat(destinationRuleRequests(api)).as("one LIST per read, no refused WATCH: %s", api.requestLines())
                    .extracting(ApiRequest::verb).containsExactly("list", "list", "list", "list");
        }
    }

    @Test
    void shouldWatchAgainOnceTheRoleGrantsIt() throws Exception {
        RbacGrant shipped = shipped();
        try (RbacApiServer api = RbacApiServer.start(shipped.without("networking.istio.io", "destinationrules", "watch"));
             KubernetesClient sa = api.serviceAccountClient();
             IstioTimeoutReader reader = new IstioTimeoutReader(sa, Optional.of(KubernetesCalls.POD))) {
            KubernetesCalls.seed(api.admin());
            assertThat(reader.read().destinationRulesWatched()).isFalse();

            api.grant(shipped);
            int reads = 1;
            while (!reader.read().destinationRulesWatched()) {
                reads++;
                assertThat(reads).as("the watch is tried again within %d reads", IstioTimeoutReader.READS_BEFORE_WATCHING_AGAIN)
                        .isLessThanOrEqualTo(IstioTimeoutReader.READS_BEFORE_WATCHING_AGAIN);
            }
            assertThat(reads).isEqualTo(IstioTimeoutReader.READS_BEFORE_WATCHING_AGAIN);
        }
    }

    static final ResourceDefinitionContext VS = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("VirtualService").withPlural("virtualservices").withNamespaced(true).build();

    /**
     * With the shipped grant the gateway VirtualServices are followed, and the store keeps only those bound to a gateway
     * for a probed host, pruned: a mesh-only service and another host's gateway route are not kept.
     */
    @Test
    void shouldFollowOnlyTheGatewayVirtualServicesOfProbedHostsWithTheShippedGrant() throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped()); KubernetesClient sa = api.serviceAccountClient();
             IstioTimeoutReader reader = new IstioTimeoutReader(sa, Optional.of(KubernetesCalls.POD))) {
            KubernetesCalls.seed(api.admin());
            virtualService(api.admin(), "payments-through-gateway", "payments.partner.example", List.of("istio-system/istio-egressgateway", "mesh"));
            virtualService(api.admin(), "payments-mesh-only", "payments.partner.example", List.of());
            virtualService(api.admin(), "other-through-gateway", "other.partner.example", List.of("istio-system/istio-egressgateway"));

            IstioTimeoutReader.Snapshot s = reader.read(java.util.Set.of("payments.partner.example"));

            assertThat(s.virtualServicesStatus()).isEqualTo("ok");
            assertThat(s.gatewayRoutes()).extracting(GatewayRoutes.Service::name).containsExactly("payments-through-gateway");
            assertThat(api.denied()).as("%s", api.requestLines()).isEmpty();
            assertThat(api.requests().stream().filter(r -> r.resource().equals("virtualservices")).toList())
                    .as("a LIST of one to find the served version, the informer's LIST and watch")
                    .extracting(ApiRequest::verb).containsExactly("list", "list", "watch");
        }
    }

    /**
     * Without the grant (a role from before this feature), the DestinationRules are read as before, the gateway legs keep
     * the target's port, the status says why, and the refused LIST is not sent again at every read.
     */
    @Test
    void shouldDegradeOnlyTheGatewayLegWhereRbacRefusesVirtualServices() throws Exception {
        RbacGrant older = shipped().without("networking.istio.io", "virtualservices", "list")
                .without("networking.istio.io", "virtualservices", "watch");
        try (RbacApiServer api = RbacApiServer.start(older); KubernetesClient sa = api.serviceAccountClient();
             IstioTimeoutReader reader = new IstioTimeoutReader(sa, Optional.of(KubernetesCalls.POD))) {
            KubernetesCalls.seed(api.admin());

            List<IstioTimeoutReader.Snapshot> reads = List.of(reader.read(java.util.Set.of("payments.partner.example")),
                    reader.read(), reader.read());

            assertThat(reads).allSatisfy(s -> {
                assertThat(s.virtualServicesRead()).as("exported as virtual_services down").isFalse();
                assertThat(s.virtualServicesStatus()).isEqualTo("unavailable: forbidden (RBAC): grant list and watch on"
                        + " virtualservices.networking.istio.io; each egress gateway's leg keeps the target's port");
                assertThat(s.gatewayRoutes()).isEmpty();
                assertThat(s.destinationRulesStatus()).isEqualTo("ok");
                assertThat(DestinationRules.connectTimeout(s.destinationRules(), "payments.partner.example", 443, "payments"))
                        .contains(Duration.ofSeconds(2));
            });
            assertThat(api.requests().stream().filter(r -> r.resource().equals("virtualservices")).toList())
                    .as("one refused LIST, not one per read: %s", api.requestLines()).hasSize(1);
        }
    }

    static void virtualService(KubernetesClient admin, String name, String host, List<String> gateways) {
        admin.genericKubernetesResources(VS).inNamespace("payments").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind("VirtualService").withNewMetadata().withName(name)
                .withNamespace("payments").endMetadata().addToAdditionalProperties("spec", Map.of("hosts", List.of(host),
                        "gateways", gateways, "tls", List.of(Map.of("match", List.of(Map.of("port", 443, "sniHosts", List.of(host))),
                                "route", List.of(Map.of("destination", Map.of("host", host, "port", Map.of("number", 443)))))))).build())
                .create();
    }

    static List<ApiRequest> destinationRuleRequests(RbacApiServer api) {
        return api.requests().stream().filter(r -> r.resource().equals("destinationrules")).toList();
    }

    static void rule(KubernetesClient admin, String name, String host, String timeout) {
        admin.genericKubernetesResources(DR).inNamespace("payments").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind("DestinationRule").withNewMetadata().withName(name)
                .withNamespace("payments").endMetadata().addToAdditionalProperties("spec", Map.of("host", host,
                        "trafficPolicy", Map.of("connectionPool", Map.of("tcp", Map.of("connectTimeout", timeout))))).build())
                .create();
    }
}
