package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An address stands out on evidence: a count, a rate the others' would not give, and a difference that matters. */
class AddressOutliersTest {
    static AddressWindow.Stats failing(String address, int attempts, int failures) {
        return new AddressWindow.Stats(address, attempts, failures, 0, Optional.of(Duration.ofMillis(10)),
                Optional.of(Duration.ofMillis(10)));
    }

    static AddressWindow.Stats slow(String address, long p99Millis, long thirdSlowestMillis) {
        return new AddressWindow.Stats(address, 100, 0, 0, Optional.of(Duration.ofMillis(p99Millis)),
                Optional.of(Duration.ofMillis(thirdSlowestMillis)));
    }

    @Test
    void shouldNotCallOneFailureInFiveAnOutlierWhileTheOthersHaveNone() {
        List<AddressWindow.Stats> addresses = List.of(failing("192.0.2.1", 5, 1), failing("192.0.2.2", 5, 0),
                failing("192.0.2.3", 5, 0));

        assertThat(AddressOutliers.byFailures(addresses)).as("20% of five: twice the others and 20 points above, yet one failure")
                .isEmpty();
    }

    @Test
    void shouldNameAnAddressWithThreeFailuresInFive() {
        List<AddressWindow.Stats> addresses = List.of(failing("192.0.2.1", 5, 3), failing("192.0.2.2", 5, 0),
                failing("192.0.2.3", 5, 0));

        assertThat(AddressOutliers.byFailures(addresses)).map(AddressWindow.Stats::address).contains("192.0.2.1");
    }

    @Test
    void shouldWaitForAThirdFailureEvenWhereTwoWouldBeRareAtTheOthersRate() {
        // Two of five against none of 200: at the 1% floor the tail is 0.1%, and the share 40 points above; two all the same.
        List<AddressWindow.Stats> addresses = List.of(failing("192.0.2.1", 5, 2), failing("192.0.2.2", 200, 0));

        assertThat(AddressOutliers.byFailures(addresses)).isEmpty();
    }

    @Test
    void shouldNotNameAnAddressWhoseFailuresTheOthersRateExplains() {
        // The others fail 10% of 1,000; 3 of 6 (50%, five times theirs) at 10% has a tail of 1.6%: chance, not the address.
        List<AddressWindow.Stats> addresses = List.of(failing("192.0.2.1", 6, 3), failing("192.0.2.2", 1000, 100));

        assertThat(AddressOutliers.byFailures(addresses)).isEmpty();
        assertThat(AddressOutliers.byFailures(List.of(failing("192.0.2.1", 5, 3), failing("192.0.2.2", 1000, 100))))
                .as("3 of 5 at 10%: a tail of 0.86%").map(AddressWindow.Stats::address).contains("192.0.2.1");
    }

    @Test
    void shouldNameAnAddressWhoseFailuresAreTooManyForTheOthersRate() {
        List<AddressWindow.Stats> addresses = List.of(failing("192.0.2.1", 40, 30), failing("192.0.2.2", 200, 40));

        assertThat(AddressOutliers.byFailures(addresses)).map(AddressWindow.Stats::address).contains("192.0.2.1");
    }

    @Test
    void shouldNameASlowAddressOnlyWhenThreeOfItsConnectsAreSlow() {
        assertThat(AddressOutliers.byP99(List.of(slow("192.0.2.1", 1010, 9), slow("192.0.2.2", 10, 8))))
                .as("one lost SYN: the p99 of a hundred is the slowest connect, the third slowest is fast").isEmpty();
        assertThat(AddressOutliers.byP99(List.of(slow("192.0.2.1", 1010, 1005), slow("192.0.2.2", 10, 8))))
                .map(AddressWindow.Stats::address).contains("192.0.2.1");
    }

    @Test
    void shouldComputeTheBinomialTail() {
        // P(X >= 1) for n = 5, p = 0.05 is 1 - 0.95^5; P(X >= 3) for n = 5, p = 0.05 is 10 p^3 q^2 + 5 p^4 q + p^5.
        assertThat(AddressOutliers.atLeast(5, 1, 0.05)).isCloseTo(1 - Math.pow(0.95, 5), org.assertj.core.data.Offset.offset(1e-12));
        double p = 0.05;
        double q = 0.95;
        assertThat(AddressOutliers.atLeast(5, 3, p)).isCloseTo(10 * p * p * p * q * q + 5 * Math.pow(p, 4) * q + Math.pow(p, 5),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(AddressOutliers.atLeast(5, 0, p)).isEqualTo(1);
    }
}
