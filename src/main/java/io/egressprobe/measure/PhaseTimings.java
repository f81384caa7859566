package io.egressprobe.measure;

import java.time.Duration;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;
import java.util.Optional;

/** The duration of each phase an attempt completed. Immutable. */
public final class PhaseTimings {
    private final Map<Phase, Duration> durations;

    private PhaseTimings(Map<Phase, Duration> durations) {
        this.durations = Collections.unmodifiableMap(durations);
    }

    public static PhaseTimings of(Map<Phase, Duration> durations) {
        return new PhaseTimings(durations.isEmpty() ? new EnumMap<>(Phase.class) : new EnumMap<>(durations));
    }

    public Optional<Duration> get(Phase phase) {
        return Optional.ofNullable(durations.get(phase));
    }

    public Map<Phase, Duration> asMap() {
        return durations;
    }

    @Override
    public String toString() {
        return durations.toString();
    }
}
