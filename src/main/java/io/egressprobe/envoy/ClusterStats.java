package io.egressprobe.envoy;

import io.egressprobe.window.ConnectBuckets;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Envoy's own view of connects to one cluster, since the proxy started.
 *
 * @param connectTimeouts  {@code upstream_cx_connect_timeout}
 * @param connectFailures  {@code upstream_cx_connect_fail}
 * @param connections      {@code upstream_cx_total}
 * @param connectQuantiles quantile (0.5, 0.9, 0.99, 0.999) of {@code upstream_cx_connect_ms} (successful
 *                         connects only) to its value: Envoy's own where it answers quantiles, else read from
 *                         {@code connectBuckets} as Prometheus's {@code histogram_quantile} reads buckets
 * @param connectBuckets   {@code upstream_cx_connect_ms}'s cumulative buckets, where Envoy answers
 *                         {@code histogram_buckets=cumulative} (1.22 and later)
 */
public record ClusterStats(OptionalLong connectTimeouts, OptionalLong connectFailures, OptionalLong connections,
                           Map<Double, Duration> connectQuantiles, Optional<ConnectBuckets> connectBuckets) {
    public ClusterStats {
        connectQuantiles = Map.copyOf(connectQuantiles);
    }

    public ClusterStats(OptionalLong connectTimeouts, OptionalLong connectFailures, OptionalLong connections,
                        Map<Double, Duration> connectQuantiles) {
        this(connectTimeouts, connectFailures, connections, connectQuantiles, Optional.empty());
    }
}
