package io.egressprobe.window;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;
import static org.assertj.core.api.Assertions.within;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TcpConnectInfo;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class WindowStatisticsTest {
    static final EffectiveTimeout ONE_SECOND = EffectiveTimeout.configured(Duration.ofSeconds(1));
    MutableClock clock;
    SampleWindow window;

    @BeforeEach
    void setUp() {
        clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
        window = new SampleWindow(clock, Duration.ofMinutes(10), 2000);
    }

    void record(long millis, int times) {
        for (int i = 0; i < times; i++) {
            window.recordSuccess(new UpstreamSample(Duration.ofMillis(millis), false));
            clock.advance(Duration.ofMillis(100));
        }
    }

    WindowStats stats() {
        return WindowStatistics.compute(window.snapshot(), ONE_SECOND, ProbePath.DIRECT, 2);
    }

    @Test
    void shouldComputeExactNearestRankQuantilesOfOneToAThousandMilliseconds() {
        for (int ms = 1000; ms >= 1; ms--) {
            record(ms, 1);
        }

        WindowStats s = stats();

        assertThat(s.count()).isEqualTo(1000);
        WindowStats.Quantiles q = s.quantiles().orElseThrow();
        assertThat(q.p50()).isEqualTo(Duration.ofMillis(500));
        assertThat(q.p90()).isEqualTo(Duration.ofMillis(900));
        assertThat(q.p99()).isEqualTo(Duration.ofMillis(990));
        assertThat(q.p999()).isEqualTo(Duration.ofMillis(999));
        assertThat(q.max()).isEqualTo(Duration.ofMillis(1000));
        assertThat(s.utilization()).isCloseTo(0.99, within(1e-9));
        assertThat(s.exceededCount()).as("only the 1000 ms sample is at the 1 s timeout").isEqualTo(1);
        assertThat(s.exceededRatio()).isCloseTo(0.001, within(1e-9));
    }

    @Test
    void shouldGiveWhatIfSharesForEachCandidateTimeout() {
        record(100, 50);   // below every candidate
        record(300, 30);   // cut by 0.25 s
        record(700, 15);   // cut by 0.25 and 0.5 s
        record(1500, 5);   // cut by 0.25, 0.5 and 1 s

        WindowStats s = stats();

        assertThat(s.whatIf()).extracting(WhatIf::cutRatio).containsExactly(0.5, 0.2, 0.05, 0.0, 0.0, 0.0, 0.0);
        assertThat(s.whatIf()).extracting(WhatIf::timeout).containsExactlyElementsOf(WindowStatistics.WHAT_IF_TIMEOUTS);
    }

    @Test
    void shouldForgetSamplesOlderThanTheWindow() {
        record(900, 10);
        clock.advance(Duration.ofMinutes(9));
        record(20, 10);
        assertThat(stats().count()).isEqualTo(20);

        clock.advance(Duration.ofSeconds(59));

        WindowStats s = stats();
        assertThat(s.count()).as("the 900 ms samples left the window").isEqualTo(10);
        assertThat(s.quantiles().orElseThrow().max()).isEqualTo(Duration.ofMillis(20));
    }

    @Test
    void shouldKeepCensoredSamplesInTheDistribution() {
        record(10, 97);
        for (int i = 0; i < 3; i++) {
            window.recordFailure(FailureReason.ENVOY_CONNECT_TIMEOUT, Optional.of(new UpstreamSample(Duration.ofMillis(1003), true)));
        }

        WindowStats s = stats();

        assertThat(s.count()).isEqualTo(100);
        assertThat(s.censoredCount()).isEqualTo(3);
        assertThat(s.quantiles().orElseThrow().p99()).as("cuts show in p99").isEqualTo(Duration.ofMillis(1003));
        assertThat(s.exceededCount()).isEqualTo(3);
        assertThat(s.utilization()).isGreaterThan(1);
    }

    @Test
    void shouldCountEveryAttemptAndItsFailuresBesideTheSamples() {
        record(10, 7);
        window.recordFailure(FailureReason.REFUSED, Optional.empty());
        window.recordFailure(FailureReason.REFUSED, Optional.empty());
        window.recordFailure(FailureReason.ENVOY_CONNECT_TIMEOUT, Optional.of(new UpstreamSample(Duration.ofMillis(1003), true)));

        Attempts a = stats().attempts();

        assertThat(stats().count()).as("latency samples: 7 completed, 1 cut").isEqualTo(8);
        assertThat(a.total()).isEqualTo(10);
        assertThat(a.failed()).isEqualTo(3);
        assertThat(a.failureRatio()).isEqualTo(0.3);
        assertThat(a.failedOtherThanCuts()).isEqualTo(2);
        assertThat(a.failuresByReason()).containsOnly(entry(FailureReason.REFUSED, 2), entry(FailureReason.ENVOY_CONNECT_TIMEOUT, 1));
        assertThat(a.dominantReason()).contains(FailureReason.REFUSED);
        assertThat(a.lastFailed()).isTrue();
        assertThat(a.lastSuccess()).isPresent();
    }


    @Test
    void shouldRecommendTheSmallestCandidateAboveTheTailAndTheToleratedSynLosses() {
        record(20, 999);
        record(40, 1);

        // needed = max(3 × p99.9 = 120 ms, p99 + 3 s for two lost SYNs on the classic schedule) = 3.02 s
        Recommendation r = stats().recommendation().orElseThrow();

        assertThat(r.needed()).isEqualTo(Duration.ofMillis(3020));
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(r.beyondLargest()).isFalse();
    }

    @Test
    void shouldJudgeTheNeededTimeoutToTheMillisecondAsItIsPrinted() {
        Recommendation r = Recommendation.compute(Duration.ofNanos(70_000), Duration.ofNanos(90_000), 2);

        assertThat(r.needed()).as("0.07 ms + 3 s for two lost SYNs").isEqualTo(Duration.ofSeconds(3));
        assertThat(r.timeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void shouldLetTheTailDecideWhenItIsHeavierThanTheSynAllowance() {
        assertThat(Recommendation.compute(Duration.ofMillis(500), Duration.ofSeconds(4), 0).timeout())
                .as("3 × 4 s = 12 s").isEqualTo(Duration.ofSeconds(15));
        assertThat(Recommendation.compute(Duration.ofMillis(100), Duration.ofMillis(200), 0).timeout())
                .as("tolerating no lost SYN, 0.6 s suffices").isEqualTo(Duration.ofSeconds(1));
        Recommendation hopeless = Recommendation.compute(Duration.ofSeconds(9), Duration.ofSeconds(12), 2);
        assertThat(hopeless.timeout()).isEqualTo(Duration.ofSeconds(30));
        assertThat(hopeless.beyondLargest()).isTrue();
    }


    ProbeResult.Success success(long millis) {
        Duration d = Duration.ofMillis(millis);
        return new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.empty(), Optional.empty(),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());
    }

    /**
     * A pause of ours inside an attempt does not reach p99: 99 connects of 20 ms and one timed across a 900 ms collection
     * of the daemon's own heap; without the mark, that one would be the p99 (nearest rank 99 of 100 is the 99th value,
     * here the slowest but one... and the maximum). A cut across a pause stays: the proxy that cut it was not paused.
     */
    @Test
    void shouldLeaveOutOfTheQuantilesAConnectTimedAcrossOurOwnPause() {
        for (int i = 0; i < 99; i++) {
            window.record(success(20), Optional.of(new UpstreamSample(Duration.ofMillis(20), false)), false);
            clock.advance(Duration.ofMillis(100));
        }
        window.record(success(920), Optional.of(new UpstreamSample(Duration.ofMillis(920), false)), true);
        window.record(success(920), Optional.of(new UpstreamSample(Duration.ofMillis(920), false)), true);
        window.record(new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, Phase.TLS, PhaseTimings.of(Map.of()),
                Duration.ofMillis(1010), Optional.empty(), Optional.empty(), Optional.empty(), "reset"),
                Optional.of(new UpstreamSample(Duration.ofMillis(1010), true)), true);

        WindowStats s = stats();

        assertThat(s.attempts().ownPauses()).isEqualTo(2);
        assertThat(s.attempts().total()).as("every attempt still counts as one").isEqualTo(102);
        assertThat(s.count()).as("99 connects and the cut").isEqualTo(100);
        assertThat(s.censoredCount()).isEqualTo(1);
        assertThat(s.quantiles().orElseThrow().p99()).isEqualTo(Duration.ofMillis(20));
        assertThat(s.quantiles().orElseThrow().max()).as("the cut").isEqualTo(Duration.ofMillis(1010));
        assertThat(window.samples()).as("the samples the API lists are the distribution's").hasSize(100)
                .noneMatch(x -> x.valueNanos() == Duration.ofMillis(920).toNanos());
    }

    /** A completed connect as the prober reports it on the native transport, with the kernel's TCP_INFO. */
    void recordKernel(long connectMillis, int retransmittedSyns) {
        Duration connect = Duration.ofMillis(connectMillis);
        window.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, connect)), connect.plusMillis(5),
                Optional.empty(), Optional.of(new TcpConnectInfo(Duration.ofMillis(1), retransmittedSyns)),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()), Optional.of(new UpstreamSample(connect, false)));
        clock.advance(Duration.ofMillis(100));
    }

    @Test
    void shouldTakeLostSynsFromTheKernelOnTheDirectPathAndInferNothing() {
        for (int i = 0; i < 95; i++) {
            recordKernel(2, 0);
        }
        recordKernel(1004, 1);
        recordKernel(1004, 1);
        recordKernel(2003, 2);  // two SYNs lost in a row
        recordKernel(1600, 0);  // slow, and the kernel says no SYN was lost

        WindowStats direct = stats();
        assertThat(direct.synLosses()).isEqualTo(new SynLosses(SynLosses.Source.KERNEL, 3, 4, 99));
        assertThat(direct.retransmitSuspected()).as("nothing inferred where the kernel counted").isZero();

        // The same attempts on the sidecar path are judged by timing when they are recorded: TargetCoreTest.
        WindowStats sidecar = WindowStatistics.compute(window.snapshot(), EffectiveTimeout.configured(Duration.ofSeconds(5)),
                ProbePath.SIDECAR, 2);
        assertThat(sidecar.synLosses().source()).as("our socket ends at the local Envoy: its SYNs say nothing upstream")
                .isEqualTo(SynLosses.Source.TIMING);
    }



    /** Lost SYNs are judged when an attempt is recorded (TargetCoreTest); the window counts the judgements it holds. */
    @Test
    void shouldCountTheCompletedConnectsJudgedLostSynsWhenTheyWereRecorded() {
        record(2, 95);
        window.record(success(1004), Optional.of(new UpstreamSample(Duration.ofMillis(1004), false)), false, true);
        window.record(success(1004), Optional.of(new UpstreamSample(Duration.ofMillis(1004), false)), true, true);
        window.record(success(1600), Optional.of(new UpstreamSample(Duration.ofMillis(1600), false)), false, false);

        assertThat(stats().synLosses()).as("not the one timed across our own pause: it is no sample")
                .isEqualTo(new SynLosses(SynLosses.Source.TIMING, 1, 1, 97));
    }

    @Test
    void shouldReportNothingButTheWhatIfTableForAnEmptyWindow() {
        WindowStats s = stats();

        assertThat(s.count()).isZero();
        assertThat(s.quantiles()).isEmpty();
        assertThat(s.recommendation()).isEmpty();
        assertThat(s.whatIf()).allMatch(w -> w.cutRatio() == 0);
    }

    @Test
    void shouldHoldAtMostItsCapacityDroppingTheOldestFirst() {
        SampleWindow small = new SampleWindow(clock, Duration.ofMinutes(10), 5);
        for (int ms = 1; ms <= 8; ms++) {
            small.recordSuccess(new UpstreamSample(Duration.ofMillis(ms), false));
        }

        assertThat(small.snapshot().sortedNanos()).containsExactly(4_000_000, 5_000_000, 6_000_000, 7_000_000, 8_000_000);
    }

    /** A snapshot of the core reads its moment's attempts later, from the ring, as long as no record overwrote them. */
    @Test
    void shouldReadAMarkedMomentLaterUntilTheRingOverwritesIt() {
        SampleWindow small = new SampleWindow(clock, Duration.ofMinutes(10), 5);
        small.recordSuccess(new UpstreamSample(Duration.ofMillis(1), false));
        small.recordSuccess(new UpstreamSample(Duration.ofMillis(2), false));
        SampleWindow.Mark mark = small.mark();
        for (int ms = 3; ms <= 5; ms++) {
            small.recordSuccess(new UpstreamSample(Duration.ofMillis(ms), false));
        }

        assertThat(small.snapshotAt(mark).orElseThrow().sortedNanos()).containsExactly(1_000_000, 2_000_000);
        small.recordSuccess(new UpstreamSample(Duration.ofMillis(6), false));
        assertThat(small.snapshotAt(mark)).as("the first attempt's slot holds the sixth").isEmpty();
    }

    @Test
    void shouldSizeTheRingForAFullWindowAtTheFastestJitteredInterval() {
        assertThat(SampleWindow.capacityFor(Duration.ofMinutes(10), Duration.ofSeconds(1))).isEqualTo(666 + 16);
        assertThat(SampleWindow.capacityFor(Duration.ofHours(1), Duration.ofMillis(100))).isEqualTo(40_000 + 16);
    }
}
