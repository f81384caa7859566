package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import java.time.Duration;
import java.util.Optional;

/**
 * The target's {@code envoyConnectTimeout}: it stands for the pod's own sidecar where the sidecar's config cannot be
 * read, never for a proxy further on (a gateway's timeout is set in the gateway's namespace, not by this pod).
 */
public record ConfiguredTimeout(Optional<Duration> value) implements RouteSource {
    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        return hop.kind() != HopKind.SIDECAR ? Optional.empty() : value.map(v -> HopTimeout.of(EffectiveTimeout.configured(v)));
    }
}
