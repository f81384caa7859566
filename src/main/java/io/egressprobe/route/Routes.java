package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Resolves a destination's route from its sources, in order of precedence: the topology from the first source that
 * sees one (else the one the path implies), then for each hop the timeout of the first source that says one, else the
 * hop's built-in default (Istio's 10 s for an Envoy, ztunnel's fixed 10 s). Pure.
 */
public final class Routes {
    /**
     * ztunnel's upstream connect timeout: a constant in its source, not configurable (istio/ztunnel {@code src/proxy.rs},
     * {@code const CONNECTION_TIMEOUT}, which {@code freebind_connect} wraps every upstream connect in).
     */
    public static final Duration ZTUNNEL_CONNECT_TIMEOUT = Duration.ofSeconds(10);

    private Routes() {}

    public static Route resolve(Destination d, Topology implied, List<RouteSource> sources) {
        Topology topology = first(sources, s -> s.topology(d)).orElse(implied);
        List<Hop> hops = new ArrayList<>();
        for (HopRef seen : topology.hops()) {
            HopRef ref = first(sources, s -> s.routed(seen, d)).orElse(seen);
            if (ref.kind() == HopKind.PROXY) {
                // A forward proxy's own connect timeout is its own setting: no source here knows it, and none is invented.
                hops.add(Hop.unknownTimeout(ref));
                continue;
            }
            HopTimeout timeout = first(sources, s -> s.timeout(ref, d)).orElseGet(() -> builtIn(ref.kind()));
            boolean originates = first(sources, s -> s.originatesTls(ref, d)).orElse(false);
            hops.add(new Hop(ref, timeout.timeout(), timeout.rule(), originates, first(sources, s -> s.dnsFamily(ref, d)), true,
                    first(sources, s -> s.retry(ref, d)).orElse(HttpRetry.NONE), first(sources, s -> s.shares(ref, d)).orElse(List.of()),
                    first(sources, s -> s.upstreamPick(ref, d))));
        }
        return new Route(hops, topology.fault(), topology.notes());
    }

    /** The route a path implies where no source sees one: the sidecar, or ambient mode's ztunnel. */
    public static Topology implied(ProbePath path, String namespace) {
        return Topology.of(HopRef.of(path == ProbePath.AMBIENT ? HopKind.ZTUNNEL : HopKind.SIDECAR, namespace));
    }

    static HopTimeout builtIn(HopKind kind) {
        return HopTimeout.of(kind.isEnvoy() ? EffectiveTimeout.ISTIO_DEFAULT
                : new EffectiveTimeout(ZTUNNEL_CONNECT_TIMEOUT, TimeoutSource.ZTUNNEL_DEFAULT, Optional.empty()));
    }

    private static <T> Optional<T> first(List<RouteSource> sources, Function<RouteSource, Optional<T>> question) {
        for (RouteSource s : sources) {
            Optional<T> answer = question.apply(s);
            if (answer.isPresent()) {
                return answer;
            }
        }
        return Optional.empty();
    }
}
