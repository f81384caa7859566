package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Envoy's second view (its own {@code upstream_cx_*} of the sidecar's cluster) on a route an egress gateway limits: the
 * limit's timeout names no cluster of the sidecar's, and the stats must still be the sidecar leg's.
 */
class EnvoySecondViewTest {
    static final String GATEWAY_CLUSTER = "outbound|443|egress|istio-egressgateway.istio-system.svc.cluster.local";
    static final ClusterStats STATS = new ClusterStats(OptionalLong.of(3), OptionalLong.of(0), OptionalLong.of(120),
            Map.of(0.99, Duration.ofMillis(12)));

    @Test
    void shouldKeepTheSidecarsOwnStatsWhereTheGatewayLimitsTheRoute() {
        Route gatewayLimited = new Route(List.of(
                new Hop(new HopRef(HopKind.SIDECAR, "probe-system", Optional.of(GATEWAY_CLUSTER)),
                        new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN, Optional.of(GATEWAY_CLUSTER)),
                        Optional.empty(), false),
                new Hop(HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"),
                        new EffectiveTimeout(Duration.ofSeconds(1), TimeoutSource.DESTINATION_RULE, Optional.empty()),
                        Optional.of("istio-system/api"), false)), Optional.empty(), List.of());

        TargetSupervisor.OwnStats own = TargetSupervisor.ownStats(gatewayLimited, Optional.of(Map.of(GATEWAY_CLUSTER, STATS)), "ok");

        assertThat(gatewayLimited.limit().kind()).as("the gateway limits").isEqualTo(HopKind.EGRESS_GATEWAY);
        assertThat(gatewayLimited.timeout().cluster()).as("and its timeout names no sidecar cluster").isEmpty();
        assertThat(own.stats()).contains(STATS);
        assertThat(own.why()).isEqualTo("ok");
    }

    @Test
    void shouldSayWhyWhereTheSidecarRecordsNoStatsForItsCluster() {
        Route route = Route.single(new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN,
                Optional.of("outbound|443||api.example.com")));

        TargetSupervisor.OwnStats own = TargetSupervisor.ownStats(route, Optional.of(Map.of(GATEWAY_CLUSTER, STATS)), "ok");

        assertThat(own.stats()).isEmpty();
        assertThat(own.why()).contains("records no upstream_cx_ stats for outbound|443||api.example.com");
    }
}
