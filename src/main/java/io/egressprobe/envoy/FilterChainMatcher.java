package io.egressprobe.envoy;

import io.egressprobe.envoy.FilterChainMatch.Cidr;
import io.egressprobe.envoy.FilterChainMatch.SourceType;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.IntStream;

/**
 * Which filter chain of a listener takes a connection, as Envoy chooses it: envoyproxy/envoy
 * {@code source/common/listener_manager/filter_chain_manager_impl.cc} (before 1.28: {@code source/server/}),
 * {@code FilterChainManagerImpl::findFilterChain} and the {@code findFilterChainFor*} steps it calls, in their order:
 * destination port (the port's own chains, else those without a port), destination IP (the longest
 * {@code prefix_ranges} containing it, else chains without ranges), server name (exact, then the longest wildcard
 * suffix {@code *.example.com}, else chains without {@code server_names}), transport protocol (exact, else chains
 * without), application protocols (the first the client offers that a chain lists, else chains without), direct
 * source IP, source type ({@code SAME_IP_OR_LOOPBACK} or {@code EXTERNAL}, else {@code ANY}), source IP, source port.
 * Each step narrows to one branch and never backtracks: a branch whose later steps match nothing yields no chain, even
 * where a less specific branch would have matched (Envoy's tests {@code MultipleFilterChainsWithSourceTypeMatch},
 * {@code MultipleFilterChainsWithMultipleRequirementsMatch}). No chain: the listener's {@code default_filter_chain},
 * else the connection is closed. The order chains are listed in plays no part. Pure.
 */
public final class FilterChainMatcher {
    private FilterChainMatcher() {}

    /**
     * What Envoy knows of a connection when it picks its chain (the {@code findFilterChain} test helper's arguments).
     * An address that is not known is empty: chains limited to address ranges are then taken not to match it, and the
     * result says so (the probe dials an external host, so the ranges Istio writes there, the pod's own address and
     * in-mesh services, are not its).
     *
     * @param serverName          the ClientHello's SNI, lower case ({@code ""} without TLS or SNI)
     * @param transportProtocol   {@code tls} where tls_inspector saw a ClientHello, else {@code raw_buffer}
     * @param applicationProtocols the ClientHello's ALPN, or what http_inspector detected ({@code http/1.1})
     * @param local               the connection is {@code SAME_IP_OR_LOOPBACK} ({@code Utility::isSameIpOrLoopback})
     */
    public record Connection(int destinationPort, Optional<InetAddress> destinationAddress, String serverName,
                             String transportProtocol, List<String> applicationProtocols,
                             Optional<InetAddress> directSourceAddress, boolean local,
                             Optional<InetAddress> sourceAddress, int sourcePort) {
        public Connection {
            serverName = serverName.toLowerCase(Locale.ROOT);
            applicationProtocols = List.copyOf(applicationProtocols);
        }
    }

    /**
     * @param chain       the index of the chain taken; empty: the default chain where there is one, else none
     * @param assumptions what was taken for a value the connection did not give (an unknown address)
     */
    public record Result(Optional<Integer> chain, List<String> assumptions) {}

    public static Result find(List<FilterChainMatch> chains, Connection c) {
        List<String> assumptions = new ArrayList<>();
        List<Integer> all = IntStream.range(0, chains.size()).boxed().toList();
        // findFilterChain: the port's own subtree where one exists (even if nothing in it matches), else port 0.
        List<Integer> candidates = all.stream().filter(i -> chains.get(i).destinationPort() == c.destinationPort()).toList();
        if (candidates.isEmpty()) {
            candidates = all.stream().filter(i -> chains.get(i).destinationPort() == 0).toList();
        }
        candidates = byAddress(chains, candidates, FilterChainMatch::prefixRanges, c.destinationAddress(), "destination", assumptions);
        candidates = byServerName(chains, candidates, c.serverName());
        candidates = byExactOrEmpty(candidates, i -> chains.get(i).transportProtocol(), c.transportProtocol());
        candidates = byApplicationProtocols(chains, candidates, c.applicationProtocols());
        candidates = byAddress(chains, candidates, FilterChainMatch::directSourcePrefixRanges, c.directSourceAddress(),
                "direct source", assumptions);
        candidates = bySourceType(chains, candidates, c.local());
        candidates = byAddress(chains, candidates, FilterChainMatch::sourcePrefixRanges, c.sourceAddress(), "source", assumptions);
        candidates = bySourcePort(chains, candidates, c.sourcePort());
        // Envoy refuses a listener whose chains overlap, so one is left; a dump cannot hold two.
        return new Result(candidates.stream().findFirst(), List.copyOf(assumptions));
    }

    /** {@code findFilterChainForDestinationIP} (and the source-IP steps): the longest range that contains the address. */
    private static List<Integer> byAddress(List<FilterChainMatch> chains, List<Integer> candidates,
                                           Function<FilterChainMatch, List<Cidr>> ranges, Optional<InetAddress> address,
                                           String which, List<String> assumptions) {
        List<Integer> unconstrained = candidates.stream().filter(i -> ranges.apply(chains.get(i)).isEmpty()).toList();
        if (unconstrained.size() == candidates.size()) {
            return candidates;
        }
        if (address.isEmpty()) {
            assumptions.add("the " + which + " address is not known here: taken to be outside "
                    + candidates.stream().flatMap(i -> ranges.apply(chains.get(i)).stream()).map(Cidr::toString).distinct().toList());
            return unconstrained;
        }
        Cidr best = null;
        for (int i : candidates) {
            List<Cidr> own = ranges.apply(chains.get(i));
            for (Cidr r : own.isEmpty() ? List.of(Cidr.catchAll(address.get())) : own) {
                if (r.contains(address.get()) && (best == null || r.length() > best.length())) {
                    best = r;
                }
            }
        }
        if (best == null) {
            return List.of();
        }
        Cidr chosen = best;
        return candidates.stream().filter(i -> {
            List<Cidr> own = ranges.apply(chains.get(i));
            return own.isEmpty() ? chosen.length() == 0 : own.stream().anyMatch(r -> r.key().equals(chosen.key()));
        }).toList();
    }

    /** {@code findFilterChainForServerName}: exact, then {@code .example.com}, {@code .com} (longest first), then none. */
    private static List<Integer> byServerName(List<FilterChainMatch> chains, List<Integer> candidates, String sni) {
        List<Integer> exact = withServerName(chains, candidates, sni);
        if (!sni.isEmpty() && !exact.isEmpty()) {
            return exact;
        }
        for (int pos = sni.indexOf('.', 1); pos >= 0 && pos < sni.length() - 1; pos = sni.indexOf('.', pos + 1)) {
            List<Integer> wildcard = withServerName(chains, candidates, "*" + sni.substring(pos));
            if (!wildcard.isEmpty()) {
                return wildcard;
            }
        }
        return candidates.stream().filter(i -> chains.get(i).serverNames().isEmpty()).toList();
    }

    private static List<Integer> withServerName(List<FilterChainMatch> chains, List<Integer> candidates, String name) {
        return candidates.stream().filter(i -> chains.get(i).serverNames().contains(name)).toList();
    }

    /** {@code findFilterChainForTransportProtocol}: the exact value, else chains that set none. */
    private static List<Integer> byExactOrEmpty(List<Integer> candidates, Function<Integer, String> value, String wanted) {
        List<Integer> exact = candidates.stream().filter(i -> !wanted.isEmpty() && value.apply(i).equals(wanted)).toList();
        return !exact.isEmpty() ? exact : candidates.stream().filter(i -> value.apply(i).isEmpty()).toList();
    }

    /** {@code findFilterChainForApplicationProtocols}: the client's protocols in its order, the first a chain lists. */
    private static List<Integer> byApplicationProtocols(List<FilterChainMatch> chains, List<Integer> candidates, List<String> offered) {
        for (String protocol : offered) {
            List<Integer> listing = candidates.stream().filter(i -> chains.get(i).applicationProtocols().contains(protocol)).toList();
            if (!listing.isEmpty()) {
                return listing;
            }
        }
        return candidates.stream().filter(i -> chains.get(i).applicationProtocols().isEmpty()).toList();
    }

    /** {@code findFilterChainForSourceTypes}: the connection's own type where chains name it, else {@code ANY}. */
    private static List<Integer> bySourceType(List<FilterChainMatch> chains, List<Integer> candidates, boolean local) {
        SourceType own = local ? SourceType.SAME_IP_OR_LOOPBACK : SourceType.EXTERNAL;
        List<Integer> typed = candidates.stream().filter(i -> chains.get(i).sourceType() == own).toList();
        if (!typed.isEmpty()) {
            return typed;
        }
        return candidates.stream().filter(i -> chains.get(i).sourceType() == SourceType.ANY).toList();
    }

    /** {@code findFilterChainForSourceIpAndPort}'s port: the exact port, else chains without ports. */
    private static List<Integer> bySourcePort(List<FilterChainMatch> chains, List<Integer> candidates, int port) {
        List<Integer> exact = candidates.stream().filter(i -> chains.get(i).sourcePorts().contains(port)).toList();
        return !exact.isEmpty() ? exact : candidates.stream().filter(i -> chains.get(i).sourcePorts().isEmpty()).toList();
    }
}
