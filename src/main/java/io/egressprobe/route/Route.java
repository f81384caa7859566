package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.IntStream;

/**
 * The hops a target's connections take, each with its connect timeout. The hop with the smallest timeout cuts first:
 * its timeout is the target's effective one, which the statistics and alerts compare with. The measured upstream
 * connect contains every hop's connect, so it is a conservative upper bound of each.
 */
public record Route(List<Hop> hops, Optional<RouteFault> fault, List<String> notes) {
    public Route {
        if (hops.stream().noneMatch(Hop::timeoutKnown)) {
            throw new IllegalArgumentException("a route has at least one hop whose timeout is known");
        }
        hops = List.copyOf(hops);
        notes = List.copyOf(notes);
    }

    /** A route of one sidecar hop with {@code timeout}: what a caller that knows only a timeout means. */
    public static Route single(EffectiveTimeout timeout) {
        return new Route(List.of(new Hop(HopRef.of(HopKind.SIDECAR, ""), timeout, Optional.empty(), false)),
                Optional.empty(), List.of());
    }

    /**
     * The hop that cuts first (the first of equals: the one nearer the pod), among the hops whose timeout is known: a
     * forward proxy's is not, and is never taken for one.
     */
    public Hop limit() {
        return hops.stream().filter(Hop::timeoutKnown).min(Comparator.comparing((Hop h) -> h.timeout().value())).orElseThrow();
    }

    public EffectiveTimeout timeout() {
        return limit().timeout();
    }

    /**
     * The cluster the probe's own sidecar connects through, where known: the one its listeners chose, else the one its
     * timeout was read from. The sidecar carries only the probe's connects, so Envoy's own stats for this cluster are
     * the sidecar's leg exactly (Envoy's second view), whichever hop limits the route: on a route an egress gateway
     * limits, the limit's timeout names no cluster of the sidecar's.
     */
    public Optional<String> sidecarCluster() {
        return hops.stream().filter(h -> h.kind() == HopKind.SIDECAR).findFirst()
                .flatMap(h -> h.ref().cluster().or(() -> h.timeout().cluster()));
    }

    /** Whether a proxy on the way opens the TLS connection: the probe then speaks plain to the sidecar. */
    public boolean originatesTls() {
        return hops.stream().anyMatch(Hop::originatesTls);
    }

    /** Which of the host's addresses the first hop connects to, where its config says: the probe's connections follow it. */
    public Optional<AddressFamily> dnsFamily() {
        return hops.get(0).dnsFamily();
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
        if (fault.isPresent()) {
            return Measurement.of(result, path, List.of(), List.of());
        }
        // Only a known timeout can be recognised in a cut; the hop found is given back by its place in the whole route.
        List<Integer> known = IntStream.range(0, hops.size()).filter(i -> hops.get(i).timeoutKnown())
                .boxed().toList();
        Measurement m = Measurement.of(result, path, known.stream().map(i -> hops.get(i).timeout()).toList(),
                known.stream().map(i -> hops.get(i).describe()).toList());
        return m.cutBy().isPresent() && known.size() < hops.size()
                ? new Measurement(m.result(), m.upstream(), OptionalInt.of(known.get(m.cutBy().getAsInt()))) : m;
    }

    /** Each hop's timeout in words, in order. */
    public List<String> hopNames() {
        return hops.stream().map(Hop::describe).toList();
    }
}
