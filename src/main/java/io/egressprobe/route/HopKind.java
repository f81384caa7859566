package io.egressprobe.route;

import java.util.Locale;

/** What a hop of the route is: the bounded value set of the {@code hop} label. */
public enum HopKind {
    /** The pod's own Envoy (or, on the direct path, the one an application pod of the mesh would have). */
    SIDECAR,
    /** An in-mesh proxy the sidecar sends the connection to, such as {@code istio-egressgateway}. */
    EGRESS_GATEWAY,
    /** Ambient mode's node proxy, which dials the host for the pod. */
    ZTUNNEL,
    /** An ambient waypoint or egress waypoint (an Envoy) on the way. */
    WAYPOINT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the hop is an Envoy whose connect timeout Istio's resources set. */
    public boolean isEnvoy() {
        return this != ZTUNNEL;
    }
}
