package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Which waypoint a ServiceEntry's traffic takes ({@code getUseWaypoint}, {@code fetchWaypointForTarget}). The first case
 * is the egress ServiceEntry of istio/istio's own {@code tests/integration/ambient/waypoint_test.go} (1.24.0); the rest
 * are the branches of {@code fetchWaypointForTarget} in order.
 */
class UseWaypointTest {
    @Test
    void shouldTakeTheServiceEntrysOwnLabelWithItsNamespaceOverride() {
        assertThat(UseWaypoint.forService(Map.of("istio.io/use-waypoint", "egress-gateway",
                "istio.io/use-waypoint-namespace", "egress"), "apps", Optional.empty()))
                .contains(new UseWaypoint.Waypoint("egress", "egress-gateway"));
    }

    @Test
    void shouldTakeTheServicesNamespaceWhereTheLabelNamesNone() {
        assertThat(UseWaypoint.forService(Map.of("istio.io/use-waypoint", "waypoint"), "apps",
                Optional.of(Map.of("istio.io/use-waypoint", "other", "istio.io/use-waypoint-namespace", "x"))))
                .as("the object's own label first; the namespace override on the namespace is not the object's")
                .contains(new UseWaypoint.Waypoint("apps", "waypoint"));
    }

    @Test
    void shouldOptOutWithNoneWhateverTheNamespaceSays() {
        assertThat(UseWaypoint.forService(Map.of("istio.io/use-waypoint", "none"), "apps",
                Optional.of(Map.of("istio.io/use-waypoint", "waypoint")))).isEmpty();
    }

    @Test
    void shouldFallBackToTheNamespacesLabel() {
        assertThat(UseWaypoint.forService(Map.of(), "apps", Optional.of(Map.of("istio.io/use-waypoint", "waypoint",
                "istio.io/use-waypoint-namespace", "egress")))).contains(new UseWaypoint.Waypoint("egress", "waypoint"));
        assertThat(UseWaypoint.forService(Map.of(), "apps", Optional.of(Map.of("istio.io/use-waypoint", "waypoint"))))
                .contains(new UseWaypoint.Waypoint("apps", "waypoint"));
        assertThat(UseWaypoint.forService(Map.of(), "apps", Optional.of(Map.of("istio.io/use-waypoint", "none")))).isEmpty();
        assertThat(UseWaypoint.forService(Map.of(), "apps", Optional.empty())).as("the namespace not read").isEmpty();
    }

    @Test
    void shouldGiveAWaypointsOwnServiceNoWaypoint() {
        assertThat(UseWaypoint.forService(Map.of("gateway.istio.io/managed", "istio.io-mesh-controller",
                "istio.io/use-waypoint", "waypoint"), "apps", Optional.empty())).isEmpty();
    }
}
