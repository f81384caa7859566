package io.egressprobe.route;

import java.util.List;
import java.util.Optional;

/**
 * One source of what is known about the route to a destination: the sidecar's own config, the target's configured
 * timeout, Istio's resources, a proxy's built-in default. {@link Routes#resolve} asks the sources in order of
 * precedence, and the first that answers a question wins it. A new topology is a new source (and, where it adds a kind
 * of proxy, a new {@link HopKind}). Implementations are immutable snapshots: a new read makes a new source.
 */
public interface RouteSource {
    /** Where a connection to {@code d} goes, where this source sees the proxies' routing (listeners); empty otherwise. */
    default Optional<Topology> topology(Destination d) {
        return Optional.empty();
    }

    /**
     * {@code hop} with the cluster its proxy dials for {@code d}, where this source decides it and the topology's source
     * could not see it (an egress gateway's VirtualService); empty where it says nothing. Asked before the other
     * questions, which then see the hop as routed.
     */
    default Optional<HopRef> routed(HopRef hop, Destination d) {
        return Optional.empty();
    }

    /** The connect timeout this source says {@code hop} applies towards {@code d}; empty where it says nothing. */
    Optional<HopTimeout> timeout(HopRef hop, Destination d);

    /**
     * Whether this source says {@code hop} originates TLS to {@code d} (the application speaks plain TCP or HTTP to it,
     * and the hop's connect timeout covers its TLS handshake upstream); empty where it says nothing.
     */
    default Optional<Boolean> originatesTls(HopRef hop, Destination d) {
        return Optional.empty();
    }

    /** What {@code hop}'s HTTP route does with a connect that failed, where this source sees its routes; empty otherwise. */
    default Optional<HttpRetry> retry(HopRef hop, Destination d) {
        return Optional.empty();
    }

    /** The clusters {@code hop} splits connections to {@code d} between, each with its timeout; empty where it says nothing. */
    default Optional<List<Share>> shares(HopRef hop, Destination d) {
        return Optional.empty();
    }

    /** Which of {@code d}'s addresses {@code hop} connects to, where this source says; empty where it says nothing. */
    default Optional<AddressFamily> dnsFamily(HopRef hop, Destination d) {
        return Optional.empty();
    }

    /** How {@code hop} picks the address of {@code d} it connects to, where this source says; empty where it says nothing. */
    default Optional<UpstreamPick> upstreamPick(HopRef hop, Destination d) {
        return Optional.empty();
    }
}
