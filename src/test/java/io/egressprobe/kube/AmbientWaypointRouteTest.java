package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.ConfiguredTimeout;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.Route;
import io.egressprobe.route.Routes;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The ambient route of an egress host bound to a waypoint, as the daemon resolves it (the sources of
 * TargetSupervisor.resolveRoute on the ambient path): ztunnel with its fixed 10 s, then the waypoint with its Istio
 * version's rule; and Istio 1.31's mesh-wide baseline on the sidecar's hop.
 */
class AmbientWaypointRouteTest {
    static final Destination HOST = new Destination("api.example.com", 443);
    static final Map<String, UseWaypoint.Waypoint> BOUND = Map.of("api.example.com", new UseWaypoint.Waypoint("egress", "egress-waypoint"));

    static IstioResources istio(Optional<IstioVersion> version, Optional<Duration> baseline) throws Exception {
        DestinationRules.Rule rule = new DestinationRules.Rule("egress", "api-timeout", new ObjectMapper(new YAMLFactory()).readTree("""
                host: api.example.com
                trafficPolicy:
                  connectionPool:
                    tcp:
                      connectTimeout: 1500ms
                """));
        return new IstioResources(List.of(rule), Optional.of(Duration.ofSeconds(3))).withMeshDefaults(baseline, version);
    }

    static Route ambient(Optional<IstioVersion> version) throws Exception {
        return Routes.resolve(HOST, Routes.implied(ProbePath.AMBIENT, "probe-system"), List.of(new AmbientWaypoints(BOUND, version),
                new ConfiguredTimeout(Optional.empty()), istio(version, Optional.empty())));
    }

    @Test
    void shouldSendAWaypointBoundHostThroughItsWaypointWithTheRuleSeenFromTheWaypointsNamespace() throws Exception {
        Route route = ambient(IstioVersion.parse("1.24.1"));

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.ZTUNNEL, HopKind.WAYPOINT);
        assertThat(route.hops().get(0).timeout().source()).isEqualTo(TimeoutSource.ZTUNNEL_DEFAULT);
        Hop waypoint = route.hops().get(1);
        assertThat(waypoint.ref().namespace()).isEqualTo("egress");
        assertThat(waypoint.timeout().value()).isEqualTo(Duration.ofMillis(1500));
        assertThat(waypoint.rule()).contains("egress/api-timeout");
        assertThat(route.notes()).anyMatch(n -> n.contains("waypoint egress/egress-waypoint")).anyMatch(n -> n.startsWith(
                "the waypoint's connect timeout: Istio 1.24.1"));
    }

    @Test
    void shouldGiveAWaypointBefore123EnvoysDefaultAndSayWhereTheVersionIsNotKnown() throws Exception {
        Route old = ambient(IstioVersion.parse("1.22.8"));
        Route unknown = ambient(Optional.empty());

        assertThat(old.hops().get(1).timeout().value()).isEqualTo(Duration.ofSeconds(5));
        assertThat(old.hops().get(1).timeout().source()).isEqualTo(TimeoutSource.ENVOY_DEFAULT);
        assertThat(old.hops().get(1).rule()).isEmpty();
        assertThat(unknown.hops().get(1).timeout().value()).isEqualTo(Duration.ofMillis(1500));
        assertThat(unknown.notes()).anyMatch(n -> n.contains("release is not known"));
    }

    @Test
    void shouldKeepZtunnelAloneForAHostNoServiceEntryBinds() throws Exception {
        Route route = Routes.resolve(new Destination("other.example.com", 443), Routes.implied(ProbePath.AMBIENT, "probe-system"),
                List.of(new AmbientWaypoints(BOUND, Optional.empty()), istio(Optional.empty(), Optional.empty())));

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.ZTUNNEL);
    }

    /** Istio 1.31: a host without a rule's pool takes the baseline's connectTimeout; a host with one, the rule's. */
    @Test
    void shouldApplyTheMeshWideBaselineToTheSidecarsHop() throws Exception {
        IstioResources istio = istio(IstioVersion.parse("1.31.0"), Optional.of(Duration.ofSeconds(4)));

        Route ruled = Routes.resolve(HOST, Routes.implied(ProbePath.SIDECAR, "egress"), List.of(istio));
        Route baseline = Routes.resolve(new Destination("other.example.com", 443), Routes.implied(ProbePath.SIDECAR, "egress"),
                List.of(istio));

        assertThat(ruled.timeout().value()).isEqualTo(Duration.ofMillis(1500));
        assertThat(ruled.timeout().source()).isEqualTo(TimeoutSource.DESTINATION_RULE);
        assertThat(baseline.timeout().value()).isEqualTo(Duration.ofSeconds(4));
        assertThat(baseline.timeout().source()).isEqualTo(TimeoutSource.MESH_CONFIG);
    }
}
