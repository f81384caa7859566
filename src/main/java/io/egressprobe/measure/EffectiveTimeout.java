package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/**
 * The connect timeout Envoy applies to a target, and how we know.
 *
 * @param cluster the Envoy cluster it was read from, when the source is the sidecar itself
 */
public record EffectiveTimeout(Duration value, TimeoutSource source, Optional<String> cluster) {
    /** Istio's default {@code connectTimeout} when nothing else sets it. */
    public static final EffectiveTimeout ISTIO_DEFAULT =
            new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ISTIO_DEFAULT, Optional.empty());

    public static EffectiveTimeout configured(Duration value) {
        return new EffectiveTimeout(value, TimeoutSource.CONFIG, Optional.empty());
    }

    public double seconds() {
        return value.toNanos() / 1e9;
    }
}
