package io.egressprobe.envoy;

import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Hosts;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The sidecar's outbound listeners and route configs, as far as they decide which cluster a connection to a host and
 * port takes. Envoy hands a redirected connection from {@code virtualOutbound} to the listener of its original
 * destination ({@code <address>_<port>}, else {@code 0.0.0.0_<port>}), whose filter chain is chosen by the connection's
 * SNI among others; without a listener, {@code virtualOutbound}'s own catch-all chain takes it ({@code
 * PassthroughCluster}, or {@code BlackHoleCluster} under {@code REGISTRY_ONLY}). The destination address the probe
 * will dial is not known here, so a listener of a specific address counts where its chain leads to the host's own
 * cluster or names the host by SNI. Pure.
 */
public record SidecarListeners(List<Listener> listeners, Map<String, RouteConfig> routeConfigs) {
    public SidecarListeners {
        listeners = List.copyOf(listeners);
        routeConfigs = Map.copyOf(routeConfigs);
    }

    /** A cluster a filter chain or route sends connections to, with its share (1 where it is the only one). */
    public record WeightedCluster(String name, int weight) {}

    /**
     * @param tcpClusters where a tcp_proxy sends the connection; empty for an HTTP chain
     * @param routeConfig the name of the route config an HTTP connection manager uses (RDS), where one does
     * @param matchesAll  the chain has no match criteria at all: a catch-all
     */
    public record Chain(Optional<Integer> destinationPort, List<String> serverNames, List<WeightedCluster> tcpClusters,
                        Optional<String> routeConfig, Optional<RouteConfig> inlineRoutes, boolean matchesAll) {}

    public record Listener(String name, String address, int port, boolean virtualOutbound, List<Chain> chains,
                           Optional<Chain> defaultChain) {
        boolean isWildcard() {
            return address.equals("0.0.0.0") || address.equals("::");
        }
    }

    /** A route config's virtual hosts, each with the clusters of its first route (Istio's per-host route). */
    public record RouteConfig(String name, List<VirtualHost> virtualHosts) {}

    public record VirtualHost(List<String> domains, List<WeightedCluster> clusters) {}

    /**
     * Where the sidecar sends a connection to {@code host:port}.
     *
     * @param http the chain that takes it is an HTTP one: the application speaks plain HTTP to the sidecar
     * @param via      the listener (and how its chain matched), for the status
     * @param fallback no chain names the host or its cluster: a default or catch-all chain took it
     */
    public record Decision(List<WeightedCluster> clusters, boolean http, String via, boolean fallback) {}

    public Optional<Decision> route(String host, int port) {
        Decision best = null;
        int bestScore = 0;
        List<Listener> ordered = listeners.stream().filter(l -> l.port() == port && !l.virtualOutbound())
                .sorted(Comparator.comparing((Listener l) -> !l.isWildcard())).toList();
        for (Listener l : ordered) {
            for (Chain c : l.chains()) {
                if (c.destinationPort().isPresent() && c.destinationPort().get() != port) {
                    continue;
                }
                int score;
                Decision d;
                if (!c.serverNames().isEmpty()) {
                    if (c.serverNames().stream().noneMatch(n -> Hosts.matches(n, host)) || c.tcpClusters().isEmpty()) {
                        continue;
                    }
                    score = 3;
                    d = new Decision(c.tcpClusters(), false, l.name() + " (SNI " + host + ")", false);
                } else if (!c.tcpClusters().isEmpty()) {
                    if (c.tcpClusters().stream().noneMatch(w -> host.equals(ClusterName.host(w.name()).orElse("")))) {
                        continue;
                    }
                    score = 2;
                    d = new Decision(c.tcpClusters(), false, l.name(), false);
                } else {
                    Optional<VirtualHost> vhost = virtualHost(c, host, port);
                    if (vhost.isEmpty() || vhost.get().clusters().isEmpty()) {
                        continue;
                    }
                    score = 2;
                    d = new Decision(vhost.get().clusters(), true, l.name() + " (HTTP route for " + host + ")", false);
                }
                if (score > bestScore) {
                    best = d;
                    bestScore = score;
                }
            }
        }
        if (best != null) {
            return Optional.of(best);
        }
        for (Listener l : ordered) {
            if (l.isWildcard() && l.defaultChain().isPresent() && !l.defaultChain().get().tcpClusters().isEmpty()) {
                return Optional.of(new Decision(l.defaultChain().get().tcpClusters(), false, l.name() + " (default chain)", true));
            }
        }
        for (Listener l : listeners) {
            if (!l.virtualOutbound()) {
                continue;
            }
            for (Chain c : l.chains()) {
                // The catch-all chain: Istio's others there match connections to 15001 itself (a loop) or to given addresses.
                if (c.matchesAll() && !c.tcpClusters().isEmpty()) {
                    return Optional.of(new Decision(c.tcpClusters(), false, l.name() + " (no listener for port " + port + ")", true));
                }
            }
        }
        return Optional.empty();
    }

    private Optional<VirtualHost> virtualHost(Chain c, String host, int port) {
        Optional<RouteConfig> config = c.inlineRoutes().or(() -> c.routeConfig().map(routeConfigs::get));
        if (config.isEmpty()) {
            return Optional.empty();
        }
        String withPort = host + ":" + port;
        Optional<VirtualHost> exact = config.get().virtualHosts().stream()
                .filter(v -> v.domains().contains(host) || v.domains().contains(withPort)).findFirst();
        return exact.or(() -> config.get().virtualHosts().stream()
                .filter(v -> v.domains().stream().anyMatch(dom -> !dom.equals("*") && Hosts.matches(dom, host))).findFirst());
    }
}
