package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/**
 * The effective connect timeout of a target: the first source that answers, in the order of docs/architecture.md §2.
 * The sidecar's own config is the ground truth; the configured value stands in where it cannot be
 * read; the Kubernetes sources come next; Istio's default last.
 */
public final class TimeoutChain {
    private TimeoutChain() {}

    public static EffectiveTimeout resolve(Optional<EffectiveTimeout> envoyAdmin, Optional<Duration> configured,
                                           Optional<Duration> destinationRule, Optional<Duration> meshConfig) {
        if (envoyAdmin.isPresent()) {
            return envoyAdmin.get();
        }
        if (configured.isPresent()) {
            return EffectiveTimeout.configured(configured.get());
        }
        if (destinationRule.isPresent()) {
            return new EffectiveTimeout(destinationRule.get(), TimeoutSource.DESTINATION_RULE, Optional.empty());
        }
        return meshConfig.map(d -> new EffectiveTimeout(d, TimeoutSource.MESH_CONFIG, Optional.empty()))
                .orElse(EffectiveTimeout.ISTIO_DEFAULT);
    }
}
