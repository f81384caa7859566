package io.egressprobe.envoy;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.HttpRetry;
import io.egressprobe.route.RouteFault;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Share;
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
        Optional<SidecarListeners.Decision> plain = l.route(d.host(), d.port(), SidecarListeners.Presentation.plainHttp(d.requestPath(), d.sni(), d.port()), Optional.empty())
                .filter(p -> p.http() && p.clusters().stream().anyMatch(w -> ClusterName.host(w.name()).orElse("").equals(d.host())
                        && clusters.tls().contains(w.name())));
        return plain.or(() -> l.route(d.host(), d.port(), SidecarListeners.Presentation.tls(d.sni()), Optional.empty()));
    }

    private Topology topology(SidecarListeners.Decision decision, Destination d) {
        List<String> notes = new ArrayList<>();
        if (decision.clusters().isEmpty()) {
            notes.add("the proxy's listener " + decision.via() + ": Envoy closes the connection (NR)");
            notes.addAll(decision.assumptions());
            return new Topology(List.of(new HopRef(HopKind.SIDECAR, ownNamespace, Optional.empty())),
                    Optional.of(RouteFault.NO_FILTER_CHAIN), notes);
        }
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
                    .collect(Collectors.joining(", ")) + "; the target is judged against the smallest timeout, and each"
                    + " share's cuts are recognised at its own");
        }
        notes.addAll(decision.assumptions());
        if (decision.http()) {
            notes.add("the sidecar reads HTTP on this port: the application speaks plain HTTP to it");
            if (decision.retry().tries() > 1) {
                notes.add("its HTTP route tries a failed connect " + decision.retry().tries() + " times (retry_policy): Envoy's 503"
                        + " comes after up to " + decision.retry().tries() + " connect timeouts plus up to "
                        + decision.retry().maxBackOff().toMillis() + " ms of back-off");
            }
        }
        HopRef sidecar = new HopRef(HopKind.SIDECAR, ownNamespace, Optional.of(taken.name()));
        if (taken.name().equals(ClusterName.BLACK_HOLE)) {
            return new Topology(List.of(sidecar), Optional.of(RouteFault.REGISTRY_ONLY), notes);
        }
        // Istio's outbound clusters all come by CDS, and the clusters answer was asked for this very name: absent there,
        // the proxy has none, and Envoy closes the connection (RouteFault.NO_CLUSTER). The taken one is the smallest
        // timeout among those present, so it is absent only where every one is.
        if (ClusterName.host(taken.name()).isPresent() && !clusters.timeouts().containsKey(taken.name())) {
            notes.add("cluster " + taken.name() + " is not in the proxy's clusters: Envoy closes the connection (NC)");
            return new Topology(List.of(sidecar), Optional.of(RouteFault.NO_CLUSTER), notes);
        }
        if (decision.tunnel().isPresent()) {
            // An HTTP CONNECT tunnel through the cluster's host (a DestinationRule's tunnel): that forward proxy dials the
            // host, with a connect timeout of its own that no Istio resource sets. An in-mesh Service is no exception:
            // what makes the hop is the tunnel, not where the proxy runs.
            String proxy = ClusterName.host(taken.name()).orElse(taken.name());
            notes.add("the sidecar tunnels it by HTTP CONNECT " + decision.tunnel().get() + " through the forward proxy " + proxy
                    + " (a DestinationRule's tunnel): the sidecar's timeout covers its connect to the proxy only; the proxy's own"
                    + " connect to " + d.host() + " is cut by the proxy's setting, which is not known here");
            return new Topology(List.of(sidecar, HopRef.of(HopKind.PROXY, ClusterName.serviceNamespace(taken.name()).orElse(""))),
                    Optional.empty(), notes);
        }
        Optional<String> gateway = ClusterName.serviceNamespace(taken.name())
                .filter(ns -> !ClusterName.host(taken.name()).orElse("").equals(d.host()));
        if (gateway.isPresent()) {
            notes.add("the gateway's own timeout to " + d.host() + " comes from the DestinationRules visible in namespace "
                    + gateway.get() + " and the mesh config (its admin API is not reachable from this pod)");
            // The gateway's routes match on the port the sidecar sends to: its cluster's, the gateway Service's port.
            return new Topology(List.of(sidecar, new HopRef(HopKind.EGRESS_GATEWAY, gateway.get(), Optional.empty(),
                    ClusterName.port(taken.name()), Optional.empty())), Optional.empty(), notes);
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

    /** What the sidecar's HTTP route to the host does with a failed connect: the retries its dump shows. */
    @Override
    public Optional<HttpRetry> retry(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        return listeners.flatMap(l -> route(l, d)).filter(SidecarListeners.Decision::http).map(SidecarListeners.Decision::retry);
    }

    /**
     * Where the sidecar's chain splits connections between weighted clusters, each with its own timeout: a share's
     * cuts come at its own timeout, not at the tightest one the target is judged against.
     */
    @Override
    public Optional<List<Share>> shares(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.SIDECAR) {
            return Optional.empty();
        }
        return listeners.flatMap(l -> route(l, d)).filter(decision -> decision.clusters().size() > 1)
                .map(decision -> decision.clusters().stream().flatMap(w -> clusters.forCluster(w.name())
                        .map(t -> new Share(w.name(), w.weight(), t)).stream()).toList());
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
