package io.egressprobe.envoy;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.RouteFault;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Topology;
import io.egressprobe.route.UpstreamPick;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * The sidecar's own config as a route source, the ground truth where it answers: its listeners say which cluster a
 * connection takes (the host's, an egress gateway's, {@code BlackHoleCluster}), its clusters what each times out at
 * and whether it opens TLS. Without listeners (an answer that had none) the host's outbound cluster or
 * {@code PassthroughCluster} applies, as the clusters alone say.
 *
 * @param ownNamespace    where the probe runs: its sidecar's namespace, whose view of the resources applies to it
 * @param listenersStatus why the listeners are not known, where they are not
 */
public record SidecarConfig(ClusterTimeouts clusters, Optional<SidecarListeners> listeners, String ownNamespace,
                            Optional<String> listenersStatus) implements RouteSource {

    /**
     * Where no chain names the host but the host has its own outbound cluster (a listener of an address this cannot
     * match, an answer that left it out), the host's cluster is taken, as the clusters alone say: a catch-all is only
     * believed for a host the sidecar does not know.
     */
    @Override
    public Optional<Topology> topology(Destination d) {
        return listeners.flatMap(l -> route(l, d))
                .filter(decision -> !decision.fallback() || !clusters.timeouts().containsKey(ClusterName.outbound(d.host(), d.port())))
                .map(decision -> topology(decision, d));
    }

    /**
     * The chain the probe's own connection takes. It opens TLS (SNI the target's, no ALPN), unless the sidecar
     * originates TLS to the host: then it speaks plain HTTP/1.1, as the application does, and the listener sees
     * {@code raw_buffer} and {@code http/1.1}, not a ClientHello. Which one is decided by what plain HTTP would reach: an
     * HTTP route to the host's own cluster, where that cluster opens TLS. The address dialled is not known here.
     */
    private Optional<SidecarListeners.Decision> route(SidecarListeners l, Destination d) {
        Optional<SidecarListeners.Decision> plain = l.route(d.host(), d.port(), SidecarListeners.Presentation.plainHttp(), Optional.empty())
                .filter(p -> p.http() && p.clusters().stream().anyMatch(w -> ClusterName.host(w.name()).orElse("").equals(d.host())
                        && clusters.tls().contains(w.name())));
        return plain.or(() -> l.route(d.host(), d.port(), SidecarListeners.Presentation.tls(d.sni()), Optional.empty()));
    }

    private Topology topology(SidecarListeners.Decision decision, Destination d) {
        List<String> notes = new ArrayList<>();
        notes.add("the sidecar's listener " + decision.via() + " sends it to "
                + decision.clusters().stream().map(SidecarListeners.WeightedCluster::name).collect(Collectors.joining(", ")));
        // Weighted clusters share the connections: the one that cuts first is the one a share of them fails on.
        SidecarListeners.WeightedCluster taken = decision.clusters().stream()
                .min(Comparator.comparing(w -> clusters.forCluster(w.name()).map(EffectiveTimeout::value)
                        .orElse(Duration.ofDays(1)))).orElseThrow();
        if (decision.clusters().size() > 1) {
            int total = decision.clusters().stream().mapToInt(SidecarListeners.WeightedCluster::weight).sum();
            notes.add("weighted: " + decision.clusters().stream().map(w -> w.name() + " " + (total == 0 ? 0 : 100 * w.weight() / total)
                    + "% (" + clusters.forCluster(w.name()).map(t -> t.value().toMillis() + " ms").orElse("not in the dump") + ")")
                    .collect(Collectors.joining(", ")) + "; the smallest timeout is the limit");
        }
        notes.addAll(decision.assumptions());
        if (decision.http()) {
            notes.add("the sidecar reads HTTP on this port: the application speaks plain HTTP to it");
        }
        HopRef sidecar = new HopRef(HopKind.SIDECAR, ownNamespace, Optional.of(taken.name()));
        if (taken.name().equals(ClusterName.BLACK_HOLE)) {
            return new Topology(List.of(sidecar), Optional.of(RouteFault.REGISTRY_ONLY), notes);
        }
        Optional<String> gateway = ClusterName.serviceNamespace(taken.name())
                .filter(ns -> !ClusterName.host(taken.name()).orElse("").equals(d.host()));
        if (gateway.isPresent()) {
            notes.add("the gateway's own timeout to " + d.host() + " comes from the DestinationRules visible in namespace "
                    + gateway.get() + " and the mesh config (its admin API is not reachable from this pod)");
            return new Topology(List.of(sidecar, HopRef.of(HopKind.EGRESS_GATEWAY, gateway.get())), Optional.empty(), notes);
        }
        return new Topology(List.of(sidecar), Optional.empty(), notes);
    }

    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        return hop.cluster().map(clusters::forCluster).orElseGet(() -> clusters.forTarget(d.host(), d.port()))
                .map(HopTimeout::of);
    }

    /** The family the sidecar's cluster for the hop resolves the host in: the probe follows it on the sidecar path. */
    @Override
    public Optional<AddressFamily> dnsFamily(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        return Optional.ofNullable(clusters.families().get(clusterOf(hop, d)));
    }

    /** How the sidecar's cluster for the hop picks the address it connects to (its {@code type}). */
    @Override
    public Optional<UpstreamPick> upstreamPick(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        return Optional.ofNullable(clusters.picks().get(clusterOf(hop, d)));
    }

    /** The sidecar opens TLS to the host on the host's own cluster; TLS on a gateway's cluster is mTLS to the gateway. */
    @Override
    public Optional<Boolean> originatesTls(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        String cluster = clusterOf(hop, d);
        if (!clusters.timeouts().containsKey(cluster) || !ClusterName.host(cluster).orElse("").equals(d.host())) {
            return Optional.empty();
        }
        return Optional.of(clusters.tls().contains(cluster));
    }

    /** The cluster the listeners sent the hop to, else the host's own outbound cluster. */
    private static String clusterOf(HopRef hop, Destination d) {
        return hop.cluster().orElse(ClusterName.outbound(d.host(), d.port()));
    }
}
