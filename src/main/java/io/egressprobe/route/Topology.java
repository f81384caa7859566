package io.egressprobe.route;

import java.util.List;
import java.util.Optional;

/**
 * The hops a connection takes, in order, as a source that sees a proxy's listeners knows them (or as the path implies
 * where none does).
 *
 * @param notes what the resolution found on the way that the reader should know (weighted clusters, assumptions)
 */
public record Topology(List<HopRef> hops, Optional<RouteFault> fault, List<String> notes) {
    public Topology {
        if (hops.isEmpty()) {
            throw new IllegalArgumentException("a route has at least one hop");
        }
        hops = List.copyOf(hops);
        notes = List.copyOf(notes);
    }

    public static Topology of(HopRef... hops) {
        return new Topology(List.of(hops), Optional.empty(), List.of());
    }
}
