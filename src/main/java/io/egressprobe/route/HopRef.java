package io.egressprobe.route;

import java.util.Optional;

/**
 * One hop of a route as the sources are asked about it.
 *
 * @param namespace where the hop's proxy runs: whose view of the DestinationRules applies (the probe's own namespace for
 *                  its sidecar, the gateway's namespace for a gateway)
 * @param cluster   the Envoy cluster the hop's proxy connects through, where a source saw it (the sidecar's listeners) or
 *                  decided it (a gateway's VirtualService)
 * @param entryPort the port the hop before sends the connection to (an egress gateway's Service port, from the sidecar's
 *                  cluster to it): the port the gateway's routes match on; empty for the first hop
 * @param routedBy  the resource that chose {@code cluster} where one did ({@code VirtualService namespace/name})
 */
public record HopRef(HopKind kind, String namespace, Optional<String> cluster, Optional<Integer> entryPort,
                     Optional<String> routedBy) {
    public HopRef(HopKind kind, String namespace, Optional<String> cluster) {
        this(kind, namespace, cluster, Optional.empty(), Optional.empty());
    }

    public static HopRef of(HopKind kind, String namespace) {
        return new HopRef(kind, namespace, Optional.empty());
    }

    /** The same hop, connecting through {@code cluster} as {@code routedBy} decided. */
    public HopRef routed(String cluster, String routedBy) {
        return new HopRef(kind, namespace, Optional.of(cluster), entryPort, Optional.of(routedBy));
    }
}
