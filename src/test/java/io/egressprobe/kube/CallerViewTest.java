package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.View;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The route for a sidecar in each of a target's callers' namespaces, with Istio's own DestinationRule lookup for a proxy
 * there ({@link DestinationRuleIndex}): the namespace's own rule, else the root namespace's, else the mesh's. (pay-1s is
 * exported to all: with {@code "."} it has the canary's export set, and Istio's {@code mergeDestinationRule},
 * pilot/pkg/model/destination_rule.go, merges it into the canary's selector rule, sorted first.)
 */
class CallerViewTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final Destination HOST = new Destination("identity.test", 443);

    static DestinationRules.Rule rule(String namespace, String name, String spec) throws Exception {
        return new DestinationRules.Rule(namespace, name, JSON.readTree(spec.replace('\'', '"')));
    }

    static String timeout(String value, String exportTo) {
        return "{'host': 'identity.test', 'exportTo': [" + exportTo + "], 'trafficPolicy': {'connectionPool': {'tcp': {'connectTimeout': '"
                + value + "'}}}}";
    }

    @Test
    void shouldResolveEachCallersSidecarAsIstioDoesForAProxyThere() throws Exception {
        IstioResources istio = new IstioResources(List.of(
                rule("payments", "pay-1s", timeout("1s", "'*'")),
                rule("payments", "pay-canary-300ms", "{'host': 'identity.test', 'workloadSelector': {'matchLabels': {'app': 'canary'}},"
                        + " 'trafficPolicy': {'connectionPool': {'tcp': {'connectTimeout': '300ms'}}}}"),
                rule("istio-system", "mesh-wide-3s", timeout("3s", "'*'")),
                rule("egress-probe", "probe-own-2s", timeout("2s", "'.'"))),
                Optional.of(Duration.ofSeconds(10)), DestinationRuleIndex.Mesh.DEFAULT, Optional.of(Map.of("app", "egress-probe")), Map.of());
        Route measured = new Route(List.of(new Hop(new HopRef(HopKind.SIDECAR, "egress-probe", Optional.of("outbound|443||identity.test")),
                new EffectiveTimeout(Duration.ofSeconds(2), TimeoutSource.ENVOY_ADMIN, Optional.of("outbound|443||identity.test")),
                Optional.empty(), false)), Optional.empty(), List.of());
        List<RouteSource> sources = List.of(istio.withoutOwnLabels());

        View payments = View.of("payments", measured, HOST, sources);
        View checkout = View.of("checkout", measured, HOST, sources);

        assertThat(payments.route().timeout().value()).isEqualTo(Duration.ofSeconds(1));
        assertThat(payments.route().limit().rule()).as("the canary's selector rule is not matched: its pods' labels are not known")
                .contains("payments/pay-1s");
        assertThat(checkout.route().timeout().value()).as("the root namespace's, not the probe's own namespace rule")
                .isEqualTo(Duration.ofSeconds(3));
        assertThat(checkout.route().limit().ref().namespace()).isEqualTo("checkout");
        assertThat(View.tightest(List.of(checkout, payments))).contains(payments);
        assertThat(View.tightest(List.of())).isEmpty();
    }
}
