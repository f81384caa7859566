package io.egressprobe.kube;

import com.fasterxml.jackson.databind.node.MissingNode;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Share;
import io.egressprobe.route.WaypointTimeout;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Istio's resources as a route source: for each Envoy hop, the DestinationRule that applies to it as istiod decides it
 * for a proxy in the hop's namespace ({@link DestinationRuleIndex}: the proxy's namespace, the service's, the root
 * namespace), for the hop's upstream (for the sidecar's hop to a gateway, the gateway Service; for the gateway's hop,
 * the host), then the mesh config: Istio 1.31's {@code defaultTrafficPolicy.connectionPool} where the rule sets no
 * pool ({@link DestinationRules#connectTimeout(Optional, int, Optional)}), then {@code connectTimeout}. A waypoint's hop
 * follows its Istio version's rule ({@link WaypointTimeout}: it dials the egress host itself). A rule's
 * {@code workloadSelector} is matched against the probe's own pod labels on its own sidecar's hop; on another proxy's
 * hop (a gateway) its labels are not known here and a selector rule is taken not to apply. ztunnel reads neither.
 * A hop whose cluster names a subset takes the subset's policy over the rule's ({@link DestinationRules#subsetPolicy}).
 * An egress gateway's own cluster is the one its VirtualService routes the probe's connection to ({@link #routed},
 * {@link GatewayRoutes}): Istio's "egress gateway with TLS origination" sends port 80 on to port 443 and a subset.
 *
 * @param ownLabels                 the probe's pod labels, where they could be read
 * @param serviceNamespaces         the namespace of the ServiceEntry declaring each host, where known (Kubernetes Service
 *                                  names carry theirs)
 * @param meshDefaultConnectTimeout {@code defaultTrafficPolicy.connectionPool.tcp.connectTimeout} (Istio 1.31)
 * @param istioVersion              the control plane's release, where its mesh ConfigMap says (Istio 1.24+)
 */
public record IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout,
                             DestinationRuleIndex.Mesh mesh, Optional<Map<String, String>> ownLabels,
                             Map<String, String> serviceNamespaces, DestinationRuleIndex index,
                             Optional<Duration> meshDefaultConnectTimeout, Optional<IstioVersion> istioVersion,
                             List<GatewayRoutes.Service> gatewayRoutes) implements RouteSource {
    public IstioResources {
        rules = List.copyOf(rules);
        serviceNamespaces = Map.copyOf(serviceNamespaces);
        gatewayRoutes = List.copyOf(gatewayRoutes);
    }

    public IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout,
                          DestinationRuleIndex.Mesh mesh, Optional<Map<String, String>> ownLabels,
                          Map<String, String> serviceNamespaces) {
        this(rules, meshConnectTimeout, mesh, ownLabels, serviceNamespaces, DestinationRuleIndex.of(rules, mesh),
                Optional.empty(), Optional.empty(), List.of());
    }

    /** Istio's default mesh (root namespace {@code istio-system}), the probe's labels not known. */
    public IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout) {
        this(rules, meshConnectTimeout, DestinationRuleIndex.Mesh.DEFAULT, Optional.empty(), Map.of());
    }

    /** The same resources for another proxy than the probe's own: no pod labels to match a workloadSelector with. */
    public IstioResources withoutOwnLabels() {
        return new IstioResources(rules, meshConnectTimeout, mesh, Optional.empty(), serviceNamespaces, index,
                meshDefaultConnectTimeout, istioVersion, gatewayRoutes);
    }

    /** The same resources, knowing which namespace's ServiceEntry declares each host. */
    public IstioResources withServiceNamespaces(Map<String, String> namespaces) {
        return new IstioResources(rules, meshConnectTimeout, mesh, ownLabels, namespaces, index, meshDefaultConnectTimeout,
                istioVersion, gatewayRoutes);
    }

    /** The same resources with what else the mesh config says: its 1.31 baseline and the release that installed it. */
    public IstioResources withMeshDefaults(Optional<Duration> defaultConnectTimeout, Optional<IstioVersion> version) {
        return new IstioResources(rules, meshConnectTimeout, mesh, ownLabels, serviceNamespaces, index, defaultConnectTimeout,
                version, gatewayRoutes);
    }

    /** The same resources with the VirtualServices bound to gateways, which route an egress gateway's own leg. */
    public IstioResources withGatewayRoutes(List<GatewayRoutes.Service> routes) {
        return new IstioResources(rules, meshConnectTimeout, mesh, ownLabels, serviceNamespaces, index, meshDefaultConnectTimeout,
                istioVersion, routes);
    }

    /**
     * An egress gateway's own leg: the cluster its VirtualService sends the probe's connection to, for the port the
     * sidecar sends to the gateway ({@link GatewayRoutes#resolve}); where it splits between weighted destinations, the
     * one with the tightest timeout (each share's is asked by {@link #shares}). Without one, the gateway is taken to
     * dial the host on the target's port with no subset.
     */
    @Override
    public Optional<HopRef> routed(HopRef hop, Destination d) {
        return leg(hop, d).map(leg -> {
            GatewayRoutes.Upstream tightest = leg.upstreams().stream().min(Comparator.comparing(
                    u -> timeoutOfCluster(hop, u.cluster(), d).timeout().value())).orElseThrow();
            return hop.routed(tightest.cluster(), "VirtualService " + leg.virtualService());
        });
    }

    /** The gateway's VirtualService route for the hop, where the hop is a gateway and one applies (the same again for a routed hop). */
    private Optional<GatewayRoutes.Leg> leg(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.EGRESS_GATEWAY || hop.entryPort().isEmpty() || gatewayRoutes.isEmpty()) {
            return Optional.empty();
        }
        return GatewayRoutes.resolve(gatewayRoutes, hop.namespace(), hop.entryPort().get(), d.host(), d.sni(), d.requestPath())
                .filter(l -> !l.upstreams().isEmpty());
    }

    /** A gateway's weighted destinations, each with the timeout of its own cluster. */
    @Override
    public Optional<List<Share>> shares(HopRef hop, Destination d) {
        if (hop.kind() != HopKind.EGRESS_GATEWAY || hop.routedBy().isEmpty()) {
            return Optional.empty();
        }
        HopRef unrouted = new HopRef(hop.kind(), hop.namespace(), Optional.empty(), hop.entryPort(), Optional.empty());
        return leg(unrouted, d).filter(l -> l.upstreams().size() > 1).map(l -> l.upstreams().stream()
                .map(u -> new Share(u.cluster(), u.weight(), timeoutOfCluster(hop, u.cluster(), d).timeout())).toList());
    }

    private HopTimeout timeoutOfCluster(HopRef hop, String cluster, Destination d) {
        return timeout(new HopRef(hop.kind(), hop.namespace(), Optional.of(cluster), hop.entryPort(), hop.routedBy()), d)
                .orElseGet(() -> HopTimeout.of(EffectiveTimeout.ISTIO_DEFAULT));
    }

    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        if (!hop.kind().isEnvoy()) {
            return Optional.empty();
        }
        Destination upstream = upstreamOf(hop, d);
        Optional<DestinationRuleIndex.Merged> rule = applying(hop, upstream.host());
        Optional<String> subset = hop.cluster().flatMap(ClusterName::subset);
        Optional<DestinationRules.SubsetPolicy> policy = rule.map(r -> DestinationRules.subsetPolicy(r.trafficPolicy(),
                subset.flatMap(r::subset).map(DestinationRuleIndex.Subset::trafficPolicy).orElse(MissingNode.getInstance()),
                upstream.port()));
        // The rule that set the timeout: the subset's declarer where the subset's policy decided the pool.
        Optional<String> ruleId = policy.flatMap(p -> p.poolFromSubset()
                ? subset.flatMap(s -> rule.flatMap(r -> r.subset(s))).map(DestinationRuleIndex.Subset::rule)
                : rule.flatMap(DestinationRuleIndex.Merged::policyFrom).map(DestinationRules.Rule::id));
        if (hop.kind() == HopKind.WAYPOINT) {
            EffectiveTimeout t = WaypointTimeout.of(istioVersion, WaypointTimeout.Upstream.DIRECT,
                    policy.flatMap(p -> DestinationRules.connectTimeout(p.policy(), upstream.port())), meshConnectTimeout);
            return Optional.of(new HopTimeout(t, t.source() == TimeoutSource.DESTINATION_RULE ? ruleId : Optional.empty()));
        }
        Optional<DestinationRules.RuleOrBaseline> set = DestinationRules.connectTimeout(
                policy.map(DestinationRules.SubsetPolicy::policy), upstream.port(), meshDefaultConnectTimeout);
        if (set.isPresent()) {
            return Optional.of(set.get().fromRule()
                    ? new HopTimeout(new EffectiveTimeout(set.get().timeout(), TimeoutSource.DESTINATION_RULE, hop.cluster()), ruleId)
                    : HopTimeout.of(new EffectiveTimeout(set.get().timeout(), TimeoutSource.MESH_CONFIG, hop.cluster())));
        }
        return meshConnectTimeout.map(t -> HopTimeout.of(new EffectiveTimeout(t, TimeoutSource.MESH_CONFIG, hop.cluster())));
    }

    @Override
    public Optional<Boolean> originatesTls(HopRef hop, Destination d) {
        Destination upstream = upstreamOf(hop, d);
        if (!hop.kind().isEnvoy() || !upstream.host().equals(d.host())) {
            return Optional.empty(); // TLS to a gateway is mTLS between proxies: the application's bytes go inside it
        }
        Optional<String> subset = hop.cluster().flatMap(ClusterName::subset);
        return applying(hop, d.host()).map(r -> DestinationRules.originatesTls(DestinationRules.subsetPolicy(r.trafficPolicy(),
                subset.flatMap(r::subset).map(DestinationRuleIndex.Subset::trafficPolicy).orElse(MissingNode.getInstance()),
                upstream.port()).policy(), upstream.port()));
    }

    /** The merged rule a proxy in the hop's namespace takes for {@code host}. */
    Optional<DestinationRuleIndex.Merged> applying(HopRef hop, String host) {
        Optional<String> serviceNamespace = DestinationRuleIndex.kubernetesServiceNamespace(host)
                .or(() -> Optional.ofNullable(serviceNamespaces.get(host)));
        Optional<Map<String, String>> labels = hop.kind() == HopKind.SIDECAR ? ownLabels : Optional.empty();
        return index.forProxy(hop.namespace(), labels, host, serviceNamespace);
    }

    /** Where the hop connects: the cluster's host and port where it is known (a gateway Service), else the destination. */
    private static Destination upstreamOf(HopRef hop, Destination d) {
        return hop.cluster().flatMap(c -> ClusterName.host(c).map(h -> new Destination(h, ClusterName.port(c).orElse(d.port()))))
                .orElse(d);
    }
}
