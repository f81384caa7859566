package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/**
 * What each source says a target's connect timeout is, as last read; {@link #resolve} picks the one that applies
 * (docs/architecture.md §2). Immutable: a new read makes a new value.
 */
public record TimeoutSources(Optional<EffectiveTimeout> sidecar, Optional<Duration> configured,
                             Optional<Duration> destinationRule, Optional<Duration> meshConfig) {

    public static TimeoutSources configured(Optional<Duration> configured) {
        return new TimeoutSources(Optional.empty(), configured, Optional.empty(), Optional.empty());
    }

    public EffectiveTimeout resolve() {
        return TimeoutChain.resolve(sidecar, configured, destinationRule, meshConfig);
    }

    public TimeoutSources withSidecar(Optional<EffectiveTimeout> fromSidecar) {
        return new TimeoutSources(fromSidecar, configured, destinationRule, meshConfig);
    }

    public TimeoutSources withConfigured(Optional<Duration> fromConfig) {
        return new TimeoutSources(sidecar, fromConfig, destinationRule, meshConfig);
    }

    public TimeoutSources withKubernetes(Optional<Duration> fromDestinationRule, Optional<Duration> fromMeshConfig) {
        return new TimeoutSources(sidecar, configured, fromDestinationRule, fromMeshConfig);
    }
}
