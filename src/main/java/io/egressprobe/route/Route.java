package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The hops a target's connections take, each with its connect timeout. The hop with the smallest timeout cuts first:
 * its timeout is the target's effective one, which the statistics and alerts compare with. The measured upstream
 * connect contains every hop's connect, so it is a conservative upper bound of each.
 */
public record Route(List<Hop> hops, Optional<RouteFault> fault, List<String> notes) {
    public Route {
        if (hops.isEmpty()) {
            throw new IllegalArgumentException("a route has at least one hop");
        }
        hops = List.copyOf(hops);
        notes = List.copyOf(notes);
    }

    /** A route of one sidecar hop with {@code timeout}: what a caller that knows only a timeout means. */
    public static Route single(EffectiveTimeout timeout) {
        return new Route(List.of(new Hop(HopRef.of(HopKind.SIDECAR, ""), timeout, Optional.empty(), false)),
                Optional.empty(), List.of());
    }

    /** The hop that cuts first (the first of equals: the one nearer the pod). */
    public Hop limit() {
        return hops.stream().min(Comparator.comparing((Hop h) -> h.timeout().value())).orElseThrow();
    }

    public EffectiveTimeout timeout() {
        return limit().timeout();
    }

    /** Whether a proxy on the way opens the TLS connection: the probe then speaks plain to the sidecar. */
    public boolean originatesTls() {
        return hops.stream().anyMatch(Hop::originatesTls);
    }

    /** Which of the host's addresses the first hop connects to, where its config says: the probe's connections follow it. */
    public Optional<AddressFamily> dnsFamily() {
        return hops.get(0).dnsFamily();
    }

    /** How the first hop picks the address it connects to, where its config says: whether the dialed address is the upstream's. */
    public Optional<UpstreamPick> upstreamPick() {
        return hops.get(0).upstreamPick();
    }

    /** More than one proxy with a timeout of its own: only then is each hop exported on its own. */
    public boolean isChain() {
        return hops.size() > 1;
    }

    /**
     * An attempt as the statistics see it over this route: a cut is the hop's whose timeout it matches; a blocked route
     * closes at once, so nothing there is a timeout to recognise.
     */
    public Measurement measure(ProbeResult result, ProbePath path) {
        return Measurement.of(result, path, fault.isPresent() ? List.of() : hops.stream().map(Hop::timeout).toList(),
                hopNames());
    }

    /** Each hop's timeout in words, in order. */
    public List<String> hopNames() {
        return hops.stream().map(Hop::describe).toList();
    }
}
