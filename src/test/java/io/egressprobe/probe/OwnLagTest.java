package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class OwnLagTest {
    static final long MS = 1_000_000;
    static final long S = 1_000 * MS;

    @Test
    void shouldAnswerTheLargestLagWithinAnIntervalToATenthOfASecond() {
        OwnLag lag = new OwnLag();
        lag.record(10 * S, 3 * MS);
        lag.record(10 * S + 50 * MS, 250 * MS);
        lag.record(12 * S, 40 * MS);

        assertThat(lag.maxLagNanosWithin(9 * S, 11 * S)).isEqualTo(250 * MS);
        assertThat(lag.maxLagNanosWithin(11 * S, 13 * S)).isEqualTo(40 * MS);
        assertThat(lag.maxLagNanosWithin(13 * S, 20 * S)).isZero();
    }

    @Test
    void shouldForgetWhatIsOlderThanItsSpan() {
        OwnLag lag = new OwnLag();
        lag.record(10 * S, 500 * MS);
        lag.record((10 + OwnLag.SPAN_SECONDS) * S, 2 * MS); // the same slot of the ring, a span later

        assertThat(lag.maxLagNanosWithin(0, (10 + OwnLag.SPAN_SECONDS) * S)).isEqualTo(2 * MS);
        assertThat(lag.maxLagNanosWithin(-5 * S, 11 * S)).as("asked only of its span: nothing older is answered").isZero();
    }
}
