package io.egressprobe.envoy;

import java.time.Duration;
import java.util.Map;
import java.util.OptionalLong;

/**
 * Envoy's own view of connects to one cluster, since the proxy started.
 *
 * @param connectTimeouts {@code upstream_cx_connect_timeout}
 * @param connectFailures {@code upstream_cx_connect_fail}
 * @param connections     {@code upstream_cx_total}
 * @param connectQuantiles quantile (0.5, 0.9, 0.99, 0.999) of {@code upstream_cx_connect_ms} (successful
 *                         connects only) to its value
 */
public record ClusterStats(OptionalLong connectTimeouts, OptionalLong connectFailures, OptionalLong connections,
                           Map<Double, Duration> connectQuantiles) {
    public ClusterStats {
        connectQuantiles = Map.copyOf(connectQuantiles);
    }
}
