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
    WAYPOINT,
    /**
     * A forward proxy the sidecar tunnels the connection through (HTTP CONNECT, a DestinationRule's
     * {@code trafficPolicy.tunnel}): not an Istio proxy, so no Istio resource sets, and nothing here can read, the
     * timeout of its own connect to the host.
     */
    PROXY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Whether the hop is an Envoy whose connect timeout Istio's resources set. */
    public boolean isEnvoy() {
        return this != ZTUNNEL && this != PROXY;
    }
}
