package io.egressprobe.kube;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.RouteSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * Istio's resources as a route source: for each Envoy hop, the DestinationRule that applies to it in the hop's
 * namespace (for the sidecar's hop to a gateway, the gateway Service's rule; for the gateway's hop, the host's rule as
 * the gateway's namespace sees it), then the mesh config's {@code connectTimeout}. ztunnel reads neither.
 */
public record IstioResources(List<DestinationRules.Rule> rules, Optional<Duration> meshConnectTimeout) implements RouteSource {
    public IstioResources {
        rules = List.copyOf(rules);
    }

    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        if (!hop.kind().isEnvoy()) {
            return Optional.empty();
        }
        Destination upstream = upstreamOf(hop, d);
        Optional<DestinationRules.Rule> rule = DestinationRules.applying(rules, upstream.host(), hop.namespace());
        Optional<Duration> fromRule = rule.flatMap(r -> DestinationRules.connectTimeout(r, upstream.port()));
        if (fromRule.isPresent()) {
            return Optional.of(new HopTimeout(new EffectiveTimeout(fromRule.get(), TimeoutSource.DESTINATION_RULE, hop.cluster()),
                    rule.map(DestinationRules.Rule::id)));
        }
        return meshConnectTimeout.map(t -> HopTimeout.of(new EffectiveTimeout(t, TimeoutSource.MESH_CONFIG, hop.cluster())));
    }

    @Override
    public Optional<Boolean> originatesTls(HopRef hop, Destination d) {
        Destination upstream = upstreamOf(hop, d);
        if (!hop.kind().isEnvoy() || !upstream.host().equals(d.host())) {
            return Optional.empty(); // TLS to a gateway is mTLS between proxies: the application's bytes go inside it
        }
        return DestinationRules.applying(rules, d.host(), hop.namespace()).map(r -> DestinationRules.originatesTls(r, d.port()));
    }

    /** Where the hop connects: the cluster's host and port where it is known (a gateway Service), else the destination. */
    private static Destination upstreamOf(HopRef hop, Destination d) {
        return hop.cluster().flatMap(c -> ClusterName.host(c).map(h -> new Destination(h, ClusterName.port(c).orElse(d.port()))))
                .orElse(d);
    }
}
