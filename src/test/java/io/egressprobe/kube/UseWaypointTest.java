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

    /**
     * istio/istio {@code pilot/pkg/serviceregistry/ambient/ambientindex_test.go}, {@code TestUpdateWaypointForWorkload}
     * (master, 86c9f01), step by step: the object's binding as its own label and its namespace's change.
     */
    @Test
    void shouldFollowTheStepsOfIstiosTestUpdateWaypointForWorkload() {
        Map<String, String> ns = Map.of("istio.io/use-waypoint", "waypoint-ns");
        assertThat(UseWaypoint.forService(Map.of("app", "a"), "ns1", Optional.of(Map.of()))).as("no waypoint").isEmpty();
        assertThat(UseWaypoint.forService(Map.of("app", "a"), "ns1", Optional.of(ns))).as("by the namespace's label")
                .contains(new UseWaypoint.Waypoint("ns1", "waypoint-ns"));
        assertThat(UseWaypoint.forService(Map.of("istio.io/use-waypoint", "waypoint-sa1"), "ns1", Optional.of(ns)))
                .as("its own label over the namespace's").contains(new UseWaypoint.Waypoint("ns1", "waypoint-sa1"));
        assertThat(UseWaypoint.forService(Map.of(), "ns1", Optional.of(ns))).as("its label removed: the namespace's again")
                .contains(new UseWaypoint.Waypoint("ns1", "waypoint-ns"));
        assertThat(UseWaypoint.forService(Map.of("istio.io/use-waypoint", "none"), "ns1", Optional.of(ns)))
                .as("local opt-out").isEmpty();
    }

    /** {@code fetchWaypointForService}: a waypoint's own Service and an east/west gateway's take none, whatever the namespace says. */
    @Test
    void shouldGiveAnEastWestGatewayNoWaypointAndNotReadItsNamespace() {
        Map<String, String> eastWest = Map.of("gateway.istio.io/managed", "istio.io-eastwest-controller");
        assertThat(UseWaypoint.forService(eastWest, "istio-system", Optional.of(Map.of("istio.io/use-waypoint", "waypoint"))))
                .isEmpty();
        assertThat(UseWaypoint.namespaceDecides(eastWest)).isFalse();
    }

    /** {@code fetchWaypointForTarget} fetches the namespace only where the object has no label of its own ({@code none} included). */
    @Test
    void shouldAskForTheNamespaceOnlyWhereTheServiceHasNoLabelOfItsOwn() {
        assertThat(UseWaypoint.namespaceDecides(Map.of())).isTrue();
        assertThat(UseWaypoint.namespaceDecides(Map.of("istio.io/use-waypoint-namespace", "egress")))
                .as("a namespace override alone names no waypoint").isTrue();
        assertThat(UseWaypoint.namespaceDecides(Map.of("istio.io/use-waypoint", "none"))).isFalse();
        assertThat(UseWaypoint.namespaceDecides(Map.of("istio.io/use-waypoint", "waypoint"))).isFalse();
    }
}
