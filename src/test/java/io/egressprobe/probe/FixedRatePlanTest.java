package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The schedule of one target's attempts, driven by a time the test moves: no waiting. */
class FixedRatePlanTest {
    static final long SECOND = 1_000_000_000L;
    static final long MS = 1_000_000L;

    @Test
    void shouldKeepTheRateWhateverTheAttemptsTakeAndJitterEachIntervalByTenPercent() {
        FixedRatePlan plan = new FixedRatePlan(new Random(7));
        long now = 1_000 * SECOND;
        plan.begin(now, SECOND);
        long first = now + plan.armMillis(now) * MS;
        assertThat(first - now).as("somewhere in the first interval").isBetween(0L, SECOND + MS);

        long start = first;
        for (int i = 0; i < 100; i++) {
            plan.started(start, SECOND);
            long attemptTook = (i % 3) * 300 * MS;   // 0, 300 or 600 ms: the rate must not drift with it
            long next = start + attemptTook + plan.armMillis(start + attemptTook) * MS;
            assertThat(next - start).as("attempt %d", i).isBetween(900 * MS, 1100 * MS + MS);
            start = next;
        }
        assertThat(start - first).as("100 intervals of 1 s ± 10%, not 100 × (1 s + the attempt)")
                .isBetween(95 * SECOND, 105 * SECOND);
    }

    @Test
    void shouldStartAtOnceAfterAnOverrunAndReportHowLateWithoutMakingTheMissedStartsUp() {
        FixedRatePlan plan = new FixedRatePlan(new Random(7));
        long now = 0;
        plan.begin(now, SECOND);
        long start = plan.armMillis(now) * MS;
        plan.started(start, SECOND);

        long afterOverrun = start + 5 * SECOND;   // one attempt took 5 s
        assertThat(plan.armMillis(afterOverrun)).as("at once").isEqualTo(1);
        assertThat(plan.started(afterOverrun + 3 * MS, SECOND)).as("late by the timer's 3 ms past the armed start")
                .isEqualTo(3 * MS);
        long next = afterOverrun + 3 * MS + plan.armMillis(afterOverrun + 3 * MS) * MS;
        assertThat(next - afterOverrun).as("the four missed starts are not made up").isGreaterThan(800 * MS);
    }
}
