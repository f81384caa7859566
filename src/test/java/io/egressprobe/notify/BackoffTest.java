package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BackoffTest {
    @Test
    void shouldDoubleFromOneSecondToThirtyAndStartOverAfterADelivery() {
        Backoff backoff = new Backoff(RetryingPoster.FIRST_BACKOFF, RetryingPoster.MAX_BACKOFF);
        List<Long> waits = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
            waits.add(backoff.failed().toSeconds());
        }
        assertThat(waits).containsExactly(1L, 2L, 4L, 8L, 16L, 30L, 30L, 30L);

        backoff.succeeded();

        assertThat(backoff.failed()).isEqualTo(Duration.ofSeconds(1));
    }
}
