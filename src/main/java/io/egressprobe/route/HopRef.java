package io.egressprobe.route;

import java.util.Optional;

/**
 * One hop of a route as the sources are asked about it.
 *
 * @param namespace where the hop's proxy runs: whose view of the DestinationRules applies (the probe's own namespace for
 *                  its sidecar, the gateway's namespace for a gateway)
 * @param cluster   the Envoy cluster the hop's proxy connects through, where a source saw it (the sidecar's listeners)
 */
public record HopRef(HopKind kind, String namespace, Optional<String> cluster) {
    public static HopRef of(HopKind kind, String namespace) {
        return new HopRef(kind, namespace, Optional.empty());
    }
}
