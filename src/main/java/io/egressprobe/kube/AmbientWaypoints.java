package io.egressprobe.kube;

import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Topology;
import io.egressprobe.route.WaypointTimeout;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The ambient route of a host a ServiceEntry binds to a waypoint ({@link UseWaypoint}): ztunnel takes the pod's
 * connection and hands it to the waypoint by HBONE (port 15008), ztunnel's connect to the waypoint bounded by its fixed
 * 10 s; the waypoint, an Envoy, dials the host itself on its {@code inbound-vip} cluster, with the timeout of
 * {@link WaypointTimeout} for the control plane's release (answered by {@link IstioResources}, which knows the rules and
 * the mesh config). Only on the ambient path. Immutable.
 *
 * @param waypoints    each host's waypoint
 * @param istioVersion the release that installed the control plane, where known
 */
public record AmbientWaypoints(Map<String, UseWaypoint.Waypoint> waypoints, Optional<IstioVersion> istioVersion)
        implements RouteSource {
    public AmbientWaypoints {
        waypoints = Map.copyOf(waypoints);
    }

    @Override
    public Optional<Topology> topology(Destination d) {
        UseWaypoint.Waypoint w = waypoints.get(d.host());
        if (w == null) {
            return Optional.empty();
        }
        String rule = istioVersion.map(v -> "Istio " + v + ": ")
                .orElse("the control plane's release is not known (its mesh ConfigMap has no app.kubernetes.io/version, as"
                        + " before Istio 1.24): taken as 1.23 or later; ")
                + (istioVersion.filter(v -> !v.atLeast(IstioVersion.of(1, 23, 0))).isPresent()
                        ? "its inbound-vip cluster has no connect_timeout before 1.23.0, so Envoy's 5 s"
                        : "the DestinationRule's connectTimeout for the host as seen from namespace " + w.namespace()
                                + ", else the mesh's connectTimeout (never the 1.31 defaultTrafficPolicy)");
        return Optional.of(new Topology(List.of(HopRef.of(HopKind.ZTUNNEL, ""), HopRef.of(HopKind.WAYPOINT, w.namespace())),
                Optional.empty(), List.of("the ServiceEntry binds " + d.host() + " to waypoint " + w + " (istio.io/use-waypoint, on the ServiceEntry or else its namespace):"
                        + " ztunnel hands the connection to it by HBONE, and the waypoint dials " + d.host() + " itself",
                        "the waypoint's connect timeout: " + rule)));
    }

    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        return Optional.empty();
    }
}
