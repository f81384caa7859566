package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import java.util.Optional;

/**
 * A source's word on one hop's connect timeout.
 *
 * @param rule the resource that set it ({@code namespace/name} of a DestinationRule), where one did
 */
public record HopTimeout(EffectiveTimeout timeout, Optional<String> rule) {
    public static HopTimeout of(EffectiveTimeout timeout) {
        return new HopTimeout(timeout, Optional.empty());
    }
}
