package io.egressprobe.route;

/** A route that cannot carry the connection at all: a configuration fault, not latency. */
public enum RouteFault {
    /**
     * {@code outboundTrafficPolicy: REGISTRY_ONLY} and no ServiceEntry for the host: the sidecar sends the connection
     * to {@code BlackHoleCluster}, which closes it at once.
     */
    REGISTRY_ONLY;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** What to do about it, for the advice and the status. */
    public String advice(Destination d) {
        return "the mesh blocks undeclared hosts (outboundTrafficPolicy REGISTRY_ONLY: the sidecar sends " + d
                + " to BlackHoleCluster, which closes every connection at once); add a ServiceEntry for " + d.host()
                + " port " + d.port() + " (or exportTo this namespace an existing one)";
    }
}
