package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Hosts;
import io.egressprobe.route.HttpRetry;
import java.net.InetAddress;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar's outbound listeners and route configs, as far as they decide which cluster a connection to a host and
 * port takes. Envoy hands a redirected connection from {@code virtualOutbound} to the listener of its original
 * destination, {@code <address>_<port>}, else {@code 0.0.0.0_<port>} (envoyproxy/envoy
 * {@code source/common/listener_manager/connection_handler_impl.cc}, {@code getBalancedHandlerByAddress}); without
 * one, {@code virtualOutbound} keeps it. Within the listener, {@link FilterChainMatcher} picks the chain as Envoy does
 * (by specificity, never by order), else the {@code default_filter_chain}. Where the address the probe will dial is
 * not known, a listener of a specific address counts only where its chain names the host by SNI or leads to the
 * host's own cluster, and the wildcard listener decides otherwise. Pure.
 */
public record SidecarListeners(List<Listener> listeners, Map<String, RouteConfig> routeConfigs) {
    /** The same listeners with route configs read from an answer of their own. */
    SidecarListeners withRouteConfigs(Map<String, RouteConfig> more) {
        Map<String, RouteConfig> all = new java.util.LinkedHashMap<>(routeConfigs);
        all.putAll(more);
        return new SidecarListeners(listeners, all);
    }

    public SidecarListeners {
        listeners = List.copyOf(listeners);
        routeConfigs = Map.copyOf(routeConfigs);
    }

    /** A cluster a filter chain or route sends connections to, with its share (1 where it is the only one). */
    public record WeightedCluster(String name, int weight) {}

    /**
     * @param match       its {@code filter_chain_match}
     * @param tcpClusters where a tcp_proxy sends the connection; empty for an HTTP chain
     * @param routeConfig the name of the route config an HTTP connection manager uses (RDS), where one does
     * @param tunnel      the tcp_proxy's {@code tunneling_config.hostname} ({@code host:port}), where it tunnels the
     *                    connection through its cluster's proxy by HTTP CONNECT
     */
    public record Chain(FilterChainMatch match, List<WeightedCluster> tcpClusters, Optional<String> routeConfig,
                        Optional<RouteConfig> inlineRoutes, Optional<String> tunnel) {
        public Chain(FilterChainMatch match, List<WeightedCluster> tcpClusters, Optional<String> routeConfig,
                     Optional<RouteConfig> inlineRoutes) {
            this(match, tcpClusters, routeConfig, inlineRoutes, Optional.empty());
        }

        /** The chain has no match criteria at all: a catch-all. */
        public boolean matchesAll() {
            return match.matchesAll();
        }

        boolean isHttp() {
            return routeConfig.isPresent() || inlineRoutes.isPresent();
        }
    }

    public record Listener(String name, String address, int port, boolean virtualOutbound, List<Chain> chains,
                           Optional<Chain> defaultChain) {
        boolean isWildcard() {
            return address.equals("0.0.0.0") || address.equals("::");
        }

        boolean hasAddress(InetAddress a) {
            return FilterChainMatch.literal(address).map(a::equals).orElse(false);
        }
    }

    /** A route config's virtual hosts, each with the clusters of its first route (Istio's per-host route). */
    public record RouteConfig(String name, List<VirtualHost> virtualHosts) {}

    /**
     * One route of a virtual host: a request it matches goes to its clusters (none for a redirect or a direct response,
     * which Envoy answers itself).
     *
     * @param retry what the route does with a connect that failed
     */
    public record HttpRoute(JsonNode match, List<WeightedCluster> clusters, HttpRetry retry) {
        public HttpRoute {
            clusters = List.copyOf(clusters);
        }
    }

    public record VirtualHost(List<String> domains, List<HttpRoute> routes) {
        public VirtualHost {
            routes = List.copyOf(routes);
        }

        /** The route the request takes: the first whose match it meets, in order, as Envoy takes it. */
        Optional<HttpRoute> routeFor(HttpRouteMatch.Request request) {
            return routes.stream().filter(r -> HttpRouteMatch.matches(r.match(), request)).findFirst();
        }
    }

    /**
     * What the probe's connection shows the sidecar's listener filters: tls_inspector's SNI and ALPN for a ClientHello,
     * or http_inspector's protocol for plain HTTP (a connection with neither is {@code raw_buffer}: envoyproxy/envoy
     * {@code active_tcp_socket.cc}, {@code newConnection}).
     */
    public record Presentation(String serverName, String transportProtocol, List<String> applicationProtocols,
                               HttpRouteMatch.Request request) {
        /**
         * The probe's ClientHello: SNI where it is a name (never for an address literal, {@code TlsProber}), and no
         * ALPN ({@code TlsContexts} offers none).
         */
        public static Presentation tls(String sni) {
            return new Presentation(FilterChainMatch.literal(sni).isPresent() ? "" : sni, "tls", List.of(),
                    HttpRouteMatch.Request.probe("/", sni));
        }

        /**
         * The probe's plain HTTP/1.1 request, where the sidecar originates TLS: http_inspector says {@code http/1.1},
         * and its HTTP routes see its path and Host ({@code probe.TlsProber}: {@code host[:port]}, the port left out
         * where it is 80).
         */
        public static Presentation plainHttp(String path, String host, int port) {
            return new Presentation("", "raw_buffer", List.of("http/1.1"),
                    HttpRouteMatch.Request.probe(path, port == 80 ? host : host + ":" + port));
        }
    }

    /**
     * Where the sidecar sends a connection to {@code host:port}; no clusters where its listener closes it (no chain).
     *
     * @param http        the chain that takes it is an HTTP one: the application speaks plain HTTP to the sidecar
     * @param via         the listener (and how its chain matched), for the status
     * @param fallback    no chain names the host or its cluster: a default or catch-all chain took it
     * @param assumptions what the choice took for values it did not have (the address dialled)
     * @param retry       what the HTTP route that took it does with a failed connect ({@link HttpRetry#NONE} for TCP)
     * @param tunnel      the {@code host:port} the chain asks its cluster's forward proxy to CONNECT to, where it does
     */
    public record Decision(List<WeightedCluster> clusters, boolean http, String via, boolean fallback, List<String> assumptions,
                           HttpRetry retry, Optional<String> tunnel) {
        public Decision {
            assumptions = List.copyOf(assumptions);
        }

        public Decision(List<WeightedCluster> clusters, boolean http, String via, boolean fallback, List<String> assumptions) {
            this(clusters, http, via, fallback, assumptions, HttpRetry.NONE, Optional.empty());
        }
    }

    /** A TLS connection with SNI {@code host}, to an address not known here. */
    public Optional<Decision> route(String host, int port) {
        return route(host, port, Presentation.tls(host), Optional.empty());
    }

    public Optional<Decision> route(String host, int port, Presentation presented, Optional<InetAddress> address) {
        List<Listener> onPort = listeners.stream().filter(l -> l.port() == port && !l.virtualOutbound()).toList();
        if (address.isPresent()) {
            Optional<Listener> exact = onPort.stream().filter(l -> l.hasAddress(address.get())).findFirst();
            Optional<Listener> taking = exact.or(() -> onPort.stream().filter(Listener::isWildcard).findFirst());
            if (taking.isPresent()) {
                return decide(taking.get(), host, port, presented, address).map(Scored::decision)
                        .or(() -> closed(taking.get(), port, presented, address));
            }
            return virtualOutbound(host, port, presented, address);
        }
        Scored best = null;
        // The wildcard listener first: on a tie it is the one a connection to an unlisted address takes.
        for (Listener l : onPort.stream().sorted(Comparator.comparing((Listener l) -> !l.isWildcard())).toList()) {
            Optional<Scored> d = decide(l, host, port, presented, address);
            if (d.isEmpty() || d.get().decision().fallback()) {
                continue;
            }
            int floor = l.isWildcard() ? 1 : 2; // a specific address counts only where it names the host
            if (d.get().score() >= floor && (best == null || d.get().score() > best.score())) {
                best = d.get();
            }
        }
        if (best != null) {
            return Optional.of(best.decision());
        }
        Optional<Decision> closed = Optional.empty();
        for (Listener l : onPort) {
            if (l.isWildcard()) {
                Optional<Scored> d = decide(l, host, port, presented, address);
                if (d.isPresent()) {
                    return Optional.of(d.get().decision());
                }
                closed = closed.or(() -> closed(l, port, presented, address));
            }
        }
        Optional<Decision> closing = closed;
        return virtualOutbound(host, port, presented, address).or(() -> closing);
    }

    /**
     * A listener that takes the connection but has no chain for it and no default chain: Envoy closes it at once,
     * counting {@code no_filter_chain_match} (envoyproxy/envoy
     * {@code source/common/listener_manager/active_stream_listener_base.cc}, {@code ActiveStreamListenerBase::newConnection},
     * "closing connection from …: no matching filter chain found"; response flag NR). A decision without clusters.
     */
    private Optional<Decision> closed(Listener l, int port, Presentation presented, Optional<InetAddress> address) {
        FilterChainMatcher.Result result = FilterChainMatcher.find(l.chains().stream().map(Chain::match).toList(),
                connection(port, presented, address));
        if (result.chain().isPresent() || l.defaultChain().isPresent()) {
            return Optional.empty();
        }
        return Optional.of(new Decision(List.of(), false, l.name() + " (no chain matches, no default chain)", false,
                result.assumptions()));
    }

    /** A decision and how closely its chain names the host: 3 by SNI, 2 by its own cluster or virtual host, 1 neither. */
    private record Scored(Decision decision, int score) {}

    private Optional<Scored> decide(Listener l, String host, int port, Presentation presented, Optional<InetAddress> address) {
        FilterChainMatcher.Result result = FilterChainMatcher.find(l.chains().stream().map(Chain::match).toList(),
                connection(port, presented, address));
        if (result.chain().isEmpty()) {
            return l.defaultChain().filter(c -> !c.tcpClusters().isEmpty()).map(c -> new Scored(
                    new Decision(c.tcpClusters(), false, l.name() + " (default chain)", true, result.assumptions()), 0));
        }
        Chain c = l.chains().get(result.chain().get());
        if (!c.tcpClusters().isEmpty()) {
            boolean bySni = !c.match().serverNames().isEmpty();
            boolean ownCluster = c.tcpClusters().stream().anyMatch(w -> host.equals(ClusterName.host(w.name()).orElse("")));
            String how = bySni ? " (SNI " + presented.serverName() + ")" : c.matchesAll() ? "" : " (chain " + describe(c.match()) + ")";
            return Optional.of(new Scored(new Decision(c.tcpClusters(), false, l.name() + how, false, result.assumptions(),
                    HttpRetry.NONE, c.tunnel()), bySni ? 3 : ownCluster ? 2 : 1));
        }
        if (c.isHttp()) {
            Optional<Scored> named = virtualHost(c, host, port).flatMap(v -> v.routeFor(presented.request()))
                    .filter(r -> !r.clusters().isEmpty()).map(r -> new Scored(new Decision(r.clusters(), true,
                            l.name() + " (HTTP route for " + host + ")", false, result.assumptions(), r.retry(), Optional.empty()), 2));
            // Else Istio's "*" virtual host (allow_any, or block_all under REGISTRY_ONLY): a catch-all. Without one Envoy
            // answers 404 (NR), a route this cannot name.
            return named.or(() -> routes(c).flatMap(r -> r.virtualHosts().stream().filter(v -> v.domains().contains("*"))
                    .findFirst()).flatMap(v -> v.routeFor(presented.request())).filter(r -> !r.clusters().isEmpty())
                    .map(r -> new Scored(new Decision(r.clusters(), true, l.name() + " (HTTP route *)", true,
                            result.assumptions(), r.retry(), Optional.empty()), 0)));
        }
        return Optional.empty();
    }

    /** {@code virtualOutbound}'s own chains: Istio's catch-all ({@code PassthroughCluster}, or {@code BlackHoleCluster}). */
    private Optional<Decision> virtualOutbound(String host, int port, Presentation presented, Optional<InetAddress> address) {
        for (Listener l : listeners) {
            if (!l.virtualOutbound()) {
                continue;
            }
            FilterChainMatcher.Result result = FilterChainMatcher.find(l.chains().stream().map(Chain::match).toList(),
                    connection(port, presented, address));
            Optional<Chain> chain = result.chain().map(l.chains()::get).or(l::defaultChain);
            if (chain.isPresent() && !chain.get().tcpClusters().isEmpty()) {
                return Optional.of(new Decision(chain.get().tcpClusters(), false,
                        l.name() + " (no listener for port " + port + ")", true, result.assumptions()));
            }
        }
        return Optional.empty();
    }

    /** The probe's connection from its own pod: never loopback, and its own address and port are not known here. */
    private static FilterChainMatcher.Connection connection(int port, Presentation p, Optional<InetAddress> address) {
        return new FilterChainMatcher.Connection(port, address, p.serverName(), p.transportProtocol(),
                p.applicationProtocols(), Optional.empty(), false, Optional.empty(), 0);
    }

    private static String describe(FilterChainMatch m) {
        List<String> parts = new java.util.ArrayList<>();
        if (m.destinationPort() != 0) {
            parts.add("port " + m.destinationPort());
        }
        if (!m.prefixRanges().isEmpty()) {
            parts.add("prefix_ranges " + m.prefixRanges());
        }
        if (!m.transportProtocol().isEmpty()) {
            parts.add("transport " + m.transportProtocol());
        }
        if (!m.applicationProtocols().isEmpty()) {
            parts.add("ALPN " + m.applicationProtocols());
        }
        return String.join(", ", parts);
    }

    private Optional<VirtualHost> virtualHost(Chain c, String host, int port) {
        Optional<RouteConfig> config = routes(c);
        if (config.isEmpty()) {
            return Optional.empty();
        }
        String withPort = host + ":" + port;
        Optional<VirtualHost> exact = config.get().virtualHosts().stream()
                .filter(v -> v.domains().contains(host) || v.domains().contains(withPort)).findFirst();
        return exact.or(() -> config.get().virtualHosts().stream()
                .filter(v -> v.domains().stream().anyMatch(dom -> !dom.equals("*") && Hosts.matches(dom, host))).findFirst());
    }

    private Optional<RouteConfig> routes(Chain c) {
        return c.inlineRoutes().or(() -> c.routeConfig().map(routeConfigs::get));
    }
}
