package io.egressprobe.route;

/** A route that cannot carry the connection at all: a configuration fault, not latency. */
public enum RouteFault {
    /**
     * {@code outboundTrafficPolicy: REGISTRY_ONLY} and no ServiceEntry for the host: the sidecar sends the connection
     * to {@code BlackHoleCluster}, which closes it at once.
     */
    REGISTRY_ONLY,
    /**
     * The listener's chain names a cluster the proxy does not have (a REGISTRY_ONLY mesh where the ServiceEntry was never
     * applied, so istiod built no cluster for the host): Envoy's tcp_proxy finds no thread-local cluster, counts
     * {@code downstream_cx_no_route}, sets response flag NC and closes the connection at once (envoyproxy/envoy
     * {@code source/common/tcp_proxy/tcp_proxy.cc}, {@code Filter::establishUpstreamConnection}); an HTTP route answers
     * 503 NC ({@code source/common/router/router.cc}, {@code Filter::decodeHeaders}). No connect timeout applies.
     */
    NO_CLUSTER,
    /**
     * The proxy's listener for the port has no filter chain the connection matches and no default chain (a gateway's
     * listener serves the SNI names of its Gateway only, and has no {@code virtualOutbound}): Envoy closes the
     * connection at once, response flag NR (envoyproxy/envoy
     * {@code source/common/listener_manager/active_stream_listener_base.cc}, {@code ActiveStreamListenerBase::newConnection}).
     */
    NO_FILTER_CHAIN;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** What to do about it, for the advice and the status. */
    public String advice(Destination d) {
        if (this == NO_FILTER_CHAIN) {
            return "the proxy's listener for port " + d.port() + " has no filter chain for " + d
                    + " and no default chain (Envoy closes every connection at once, response flag NR); the Gateway and"
                    + " VirtualService that serve it must name " + d.host() + " (SNI) on that port";
        }
        if (this == NO_CLUSTER) {
            return "the proxy's listener sends " + d + " to a cluster the proxy does not have (Envoy closes every"
                    + " connection at once, response flag NC: no connect timeout applies); istiod builds the cluster from a"
                    + " ServiceEntry: apply one for " + d.host() + " (its port the cluster names) visible to that proxy's namespace";
        }
        return "the mesh blocks undeclared hosts (outboundTrafficPolicy REGISTRY_ONLY: the sidecar sends " + d
                + " to BlackHoleCluster, which closes every connection at once); add a ServiceEntry for " + d.host()
                + " port " + d.port() + " (or exportTo this namespace an existing one)";
    }
}
