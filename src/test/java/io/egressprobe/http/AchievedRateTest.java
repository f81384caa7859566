package io.egressprobe.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.window.Attempts;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The rate /api/v1/targets shows beside the interval: what the window's attempts achieved. */
class AchievedRateTest {
    static Attempts attempts(int total, String first, String last) {
        return new Attempts(total, total, Map.of(), Optional.of(Instant.parse(first)), Optional.of(Instant.parse(last)),
                true, Optional.empty(), 0);
    }

    @Test
    void shouldSayTheRateTheAttemptsAchievedNotThePlannedOne() {
        // The hanging target: 13 attempts in 67 s at "one every 1000 ms" is 10.7 a minute, not 60.
        assertThat(TargetStatus.attemptsPerMinute(attempts(13, "2026-01-01T00:00:00Z", "2026-01-01T00:01:04Z")))
                .isEqualTo(12 * 60.0 / 64);
        assertThat(TargetStatus.attemptsPerMinute(attempts(1, "2026-01-01T00:00:00Z", "2026-01-01T00:00:00Z"))).isNull();
    }
}
