package io.egressprobe.envoy;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/**
 * The connect timeout of every cluster the sidecar has, as its admin API reported it.
 *
 * @param timeouts cluster name to its {@code connect_timeout}; empty where the cluster sets none
 */
public record ClusterTimeouts(Map<String, Optional<Duration>> timeouts) {
    /** What Envoy applies to a cluster without {@code connect_timeout}. */
    public static final Duration ENVOY_DEFAULT = Duration.ofSeconds(5);
    public static final String PASSTHROUGH = "PassthroughCluster";

    /** The Envoy cluster Istio creates for a host and port a ServiceEntry or Service declares. */
    public static String outboundCluster(String host, int port) {
        return "outbound|" + port + "||" + host;
    }

    public ClusterTimeouts {
        timeouts = Map.copyOf(timeouts);
    }

    /**
     * The timeout the sidecar applies to connects to {@code host:port}: Istio's outbound cluster for
     * the host when a ServiceEntry or Service declares it, otherwise {@code PassthroughCluster}.
     */
    public Optional<EffectiveTimeout> forTarget(String host, int port) {
        String cluster = outboundCluster(host, port);
        String name = timeouts.containsKey(cluster) ? cluster : timeouts.containsKey(PASSTHROUGH) ? PASSTHROUGH : null;
        if (name == null) {
            return Optional.empty();
        }
        Optional<Duration> set = timeouts.get(name);
        return Optional.of(set.map(d -> new EffectiveTimeout(d, TimeoutSource.ENVOY_ADMIN, Optional.of(name)))
                .orElseGet(() -> new EffectiveTimeout(ENVOY_DEFAULT, TimeoutSource.ENVOY_DEFAULT, Optional.of(name))));
    }
}
