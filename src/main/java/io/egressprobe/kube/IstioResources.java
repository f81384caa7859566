package io.egressprobe.kube;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.WaypointTimeout;
import java.time.Duration;
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
                             Optional<Duration> meshDefaultConnectTimeout, Optional<IstioVersion> istioVersion) implements RouteSource {
    public IstioResources {
        rules = List.copyOf(rules);
        serviceNamespaces = Map.copyOf(serviceNamespaces);
    }

    public IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout,
                          DestinationRuleIndex.Mesh mesh, Optional<Map<String, String>> ownLabels,
                          Map<String, String> serviceNamespaces) {
        this(rules, meshConnectTimeout, mesh, ownLabels, serviceNamespaces, DestinationRuleIndex.of(rules, mesh),
                Optional.empty(), Optional.empty());
    }

    /** Istio's default mesh (root namespace {@code istio-system}), the probe's labels not known. */
    public IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout) {
        this(rules, meshConnectTimeout, DestinationRuleIndex.Mesh.DEFAULT, Optional.empty(), Map.of());
    }

    /** The same resources for another proxy than the probe's own: no pod labels to match a workloadSelector with. */
    public IstioResources withoutOwnLabels() {
        return new IstioResources(rules, meshConnectTimeout, mesh, Optional.empty(), serviceNamespaces, index,
                meshDefaultConnectTimeout, istioVersion);
    }

    /** The same resources, knowing which namespace's ServiceEntry declares each host. */
    public IstioResources withServiceNamespaces(Map<String, String> namespaces) {
        return new IstioResources(rules, meshConnectTimeout, mesh, ownLabels, namespaces, index, meshDefaultConnectTimeout,
                istioVersion);
    }

    /** The same resources with what else the mesh config says: its 1.31 baseline and the release that installed it. */
    public IstioResources withMeshDefaults(Optional<Duration> defaultConnectTimeout, Optional<IstioVersion> version) {
        return new IstioResources(rules, meshConnectTimeout, mesh, ownLabels, serviceNamespaces, index, defaultConnectTimeout,
                version);
    }

    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        if (!hop.kind().isEnvoy()) {
            return Optional.empty();
        }
        Destination upstream = upstreamOf(hop, d);
        Optional<DestinationRuleIndex.Merged> rule = applying(hop, upstream.host());
        Optional<String> ruleId = rule.flatMap(DestinationRuleIndex.Merged::policyFrom).map(DestinationRules.Rule::id);
        if (hop.kind() == HopKind.WAYPOINT) {
            EffectiveTimeout t = WaypointTimeout.of(istioVersion, WaypointTimeout.Upstream.DIRECT,
                    rule.flatMap(r -> DestinationRules.connectTimeout(r.trafficPolicy(), upstream.port())), meshConnectTimeout);
            return Optional.of(new HopTimeout(t, t.source() == TimeoutSource.DESTINATION_RULE ? ruleId : Optional.empty()));
        }
        Optional<DestinationRules.RuleOrBaseline> set = DestinationRules.connectTimeout(
                rule.map(DestinationRuleIndex.Merged::trafficPolicy), upstream.port(), meshDefaultConnectTimeout);
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
        return applying(hop, d.host()).map(r -> DestinationRules.originatesTls(r.trafficPolicy(), d.port()));
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
