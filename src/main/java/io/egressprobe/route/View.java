package io.egressprobe.route;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The route as Istio resolves it for a proxy in one namespace that calls the host: the probe's own sidecar holds the
 * view of the probe's namespace only, and a DestinationRule exported to {@code "."} in an application's namespace (a
 * team's 1 s for its payment API) applies to that namespace's sidecars alone. The hops are the probe's (what its own
 * sidecar's listeners showed); each Envoy hop's timeout is the one Istio's rules give a proxy there.
 *
 * @param namespace the callers' namespace
 * @param route     the route there; its {@code limit()} is the timeout the callers' external connect is cut at
 */
public record View(String namespace, Route route) {

    /**
     * The route {@code measured} from the probe's own sidecar, seen from a sidecar in {@code namespace}: its hops with
     * the sidecar's moved to that namespace, each timeout from {@code sources} (Istio's resources, whose
     * DestinationRule lookup starts at the proxy's namespace), never from the probe's own sidecar's config.
     */
    public static View of(String namespace, Route measured, Destination d, List<RouteSource> sources) {
        List<HopRef> hops = new ArrayList<>();
        for (Hop h : measured.hops()) {
            HopRef ref = h.ref();
            hops.add(ref.kind() == HopKind.SIDECAR ? new HopRef(ref.kind(), namespace, ref.cluster()) : ref);
        }
        List<String> notes = List.of("the view of a sidecar in namespace " + namespace + ": the probe's own route, each"
                + " timeout as Istio's rules set it for a proxy there (a rule's workloadSelector is not matched: those"
                + " pods' labels are not known here)");
        return new View(namespace, Routes.resolve(d, new Topology(hops, measured.fault(), notes), sources));
    }

    /** The view whose external connect is cut soonest; the first named on a tie. */
    public static Optional<View> tightest(List<View> views) {
        return views.stream().min(Comparator.comparing((View v) -> v.route().timeout().value()));
    }
}
