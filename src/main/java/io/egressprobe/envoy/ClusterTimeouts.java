package io.egressprobe.envoy;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ClusterName;
import io.egressprobe.route.UpstreamPick;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The connect timeout of every cluster the sidecar has, as its admin API reported it.
 *
 * @param timeouts cluster name to its {@code connect_timeout}; empty where the cluster sets none
 * @param tls      the clusters with a TLS transport socket of their own: the sidecar opens TLS on them (a
 *                 DestinationRule's {@code tls.mode} SIMPLE, MUTUAL or ISTIO_MUTUAL)
 * @param families the {@code dns_lookup_family} of the clusters that set one
 * @param picks    how each cluster picks the address it connects to, from its {@code type}
 */
public record ClusterTimeouts(Map<String, Optional<Duration>> timeouts, Set<String> tls, Map<String, AddressFamily> families,
                              Map<String, UpstreamPick> picks) {
    /** What Envoy applies to a cluster without {@code connect_timeout}. */
    public static final Duration ENVOY_DEFAULT = Duration.ofSeconds(5);
    public static final String PASSTHROUGH = ClusterName.PASSTHROUGH;

    public ClusterTimeouts(Map<String, Optional<Duration>> timeouts) {
        this(timeouts, Set.of(), Map.of(), Map.of());
    }

    public ClusterTimeouts(Map<String, Optional<Duration>> timeouts, Set<String> tls, Map<String, AddressFamily> families) {
        this(timeouts, tls, families, Map.of());
    }

    /** The Envoy cluster Istio creates for a host and port a ServiceEntry or Service declares. */
    public static String outboundCluster(String host, int port) {
        return ClusterName.outbound(host, port);
    }

    public ClusterTimeouts {
        timeouts = Map.copyOf(timeouts);
        tls = Set.copyOf(tls);
        families = Map.copyOf(families);
        picks = Map.copyOf(picks);
    }

    /**
     * The timeout the sidecar applies to connects to {@code host:port} where its listeners are not known: Istio's
     * outbound cluster for the host when a ServiceEntry or Service declares it, otherwise {@code PassthroughCluster}.
     */
    public Optional<EffectiveTimeout> forTarget(String host, int port) {
        String cluster = outboundCluster(host, port);
        String name = timeouts.containsKey(cluster) ? cluster : timeouts.containsKey(PASSTHROUGH) ? PASSTHROUGH : null;
        return name == null ? Optional.empty() : forCluster(name);
    }

    /** The timeout of one cluster by name; empty where the sidecar has no such cluster. */
    public Optional<EffectiveTimeout> forCluster(String name) {
        if (!timeouts.containsKey(name)) {
            return Optional.empty();
        }
        Optional<Duration> set = timeouts.get(name);
        return Optional.of(set.map(d -> new EffectiveTimeout(d, TimeoutSource.ENVOY_ADMIN, Optional.of(name)))
                .orElseGet(() -> new EffectiveTimeout(ENVOY_DEFAULT, TimeoutSource.ENVOY_DEFAULT, Optional.of(name))));
    }
}
