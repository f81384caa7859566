package io.egressprobe.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TcpConnectInfo;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.route.HopKind;
import io.egressprobe.testing.MutableClock;
import io.egressprobe.window.SynLosses;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The one owner of a target's measurement and judgement (issue 31): what resets the window resets what was judged on
 * it in the same step, and cuts are counted once.
 */
class TargetCoreTest {
    static final EffectiveTimeout TIMEOUT = EffectiveTimeout.configured(Duration.ofSeconds(1));
    static final Duration FOR = Duration.ofSeconds(30);

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T03:00:00Z"));
    final List<Transition> seen = new ArrayList<>();

    static Target target(Duration interval, Thresholds thresholds) {
        return new Target("api", "api.example.com", 443, "api.example.com", TlsSettings.DEFAULT, Optional.empty(),
                new ProbeSettings(interval, Duration.ofSeconds(5), Duration.ofMinutes(2), Optional.empty(), thresholds, 20,
                        FOR, 2, ProbeSettings.BUILT_IN.ipFamily()), Map.of());
    }

    static ProbeResult cut() {
        return new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, Phase.TLS, PhaseTimings.of(Map.of()),
                Duration.ofMillis(1002), Optional.empty(), Optional.empty(), Optional.empty(), "reset");
    }

    static ProbeResult fast() {
        Duration d = Duration.ofMillis(20);
        return new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.empty(), Optional.empty(),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());
    }

    TargetCore core(Target target, ProbePath path) {
        TargetCore core = new TargetCore(clock, target, path, 4);
        core.setTimeout(TIMEOUT);
        return core;
    }

    /** {@code n} attempts one a second, each judged as the alert loop judges. */
    void attempts(TargetCore core, int n, boolean cut) {
        for (int i = 0; i < n; i++) {
            if (cut) {
                core.record(cut(), Optional.of(new UpstreamSample(Duration.ofMillis(1002), true)), false,
                        Optional.of(HopKind.SIDECAR));
            } else {
                core.record(fast(), Optional.of(new UpstreamSample(Duration.ofMillis(20), false)), false, Optional.empty());
            }
            seen.addAll(core.judge(clock.instant()));
            clock.advance(Duration.ofSeconds(1));
        }
    }

    Level level(TargetCore core, AlertName alert) {
        return Level.values()[core.snapshot().levels().of(alert)];
    }

    /** Issue 31, defect 3: an operator shortens the interval of a firing target; nothing resolves that did not recover. */
    @Test
    void shouldHoldTheFiringAlertsWhenAnEditedIntervalEmptiesTheWindowAndJudgeAfreshOnceItHoldsMinSamples() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        attempts(core, 60, true);
        assertThat(level(core, AlertName.EGRESS_CONNECT_TIMEOUTS)).isEqualTo(Level.CRITICAL);
        assertThat(level(core, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)).isEqualTo(Level.CRITICAL);
        seen.clear();

        core.settle(target(Duration.ofMillis(500), Thresholds.DEFAULT));

        assertThat(core.snapshot().windowResets()).isEqualTo(1);
        assertThat(core.snapshot().stats().attempts().total()).as("the window starts empty").isZero();
        attempts(core, 19, false);
        assertThat(seen).as("below minSamples every level is held").isEmpty();
        assertThat(level(core, AlertName.EGRESS_CONNECT_TIMEOUTS)).isEqualTo(Level.CRITICAL);
        assertThat(level(core, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)).isEqualTo(Level.CRITICAL);

        attempts(core, 1, false);
        assertThat(seen).as("judged on the new window: no cut left in it").singleElement().satisfies(t -> {
            assertThat(t.alert()).isEqualTo(AlertName.EGRESS_CONNECT_TIMEOUTS);
            assertThat(t.isResolve()).isTrue();
        });
        attempts(core, 29, false);
        assertThat(level(core, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT))
                .as("the clearing is timed from the first judgement on the new window, not from before the edit")
                .isEqualTo(Level.CRITICAL);
        attempts(core, 2, false);
        assertThat(level(core, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)).isEqualTo(Level.OK);
    }

    @Test
    void shouldKeepTheWindowAndWhatWasJudgedOnItWhenOnlyTheThresholdsChange() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        attempts(core, 25, true);

        core.settle(target(Duration.ofSeconds(1), new Thresholds(0.4, 0.7, 0.01, 0.1)));

        assertThat(core.snapshot().windowResets()).isZero();
        assertThat(core.snapshot().stats().attempts().total()).isEqualTo(25);
    }

    @Test
    void shouldCountEachCutOnceForEveryReader() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        attempts(core, 7, true);
        attempts(core, 3, false);

        assertThat(core.snapshot().cuts()).isEqualTo(Map.of(HopKind.SIDECAR, 7L));
        assertThat(core.snapshot().failures(FailureReason.ENVOY_CONNECT_TIMEOUT)).isEqualTo(7);
        assertThat(core.takeSidecarCuts()).as("Envoy's cross-check reads the same count").isEqualTo(7);
        assertThat(core.takeSidecarCuts()).isZero();
        assertThat(core.snapshot().cuts()).as("the total stays").isEqualTo(Map.of(HopKind.SIDECAR, 7L));
    }

    @Test
    void shouldHoldARestoredAlertUntilMinSamplesThenResolveItFromTheNewJudgement() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        core.restore(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.CRITICAL, clock.instant().minus(Duration.ofMinutes(9)));

        attempts(core, 19, false);
        assertThat(seen).isEmpty();
        attempts(core, 1, false);

        assertThat(seen).singleElement().satisfies(t -> {
            assertThat(t.isResolve()).isTrue();
            assertThat(t.since()).isEqualTo(Instant.parse("2026-12-06T02:51:00Z"));
        });
    }

    // ---- Lost SYNs: judged once, when the attempt is recorded; the counter and the window count the same judgements.

    static ProbeResult completed(long millis) {
        Duration d = Duration.ofMillis(millis);
        return new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.empty(), Optional.empty(),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());
    }

    TargetCore synCore(ProbePath path, EffectiveTimeout timeout) {
        TargetCore core = new TargetCore(clock, target(Duration.ofMillis(100), Thresholds.DEFAULT), path, 4);
        core.setTimeout(timeout);
        return core;
    }

    void connects(TargetCore core, long millis, int times) {
        for (int i = 0; i < times; i++) {
            core.record(completed(millis), Optional.of(new UpstreamSample(Duration.ofMillis(millis), false)), false,
                    Optional.empty());
            clock.advance(Duration.ofMillis(100));
        }
    }

    void cutAt(TargetCore core, long millis) {
        core.record(new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, Phase.TLS, PhaseTimings.of(Map.of()),
                Duration.ofMillis(millis), Optional.empty(), Optional.empty(), Optional.empty(), "reset"),
                Optional.of(new UpstreamSample(Duration.ofMillis(millis), true)), false, Optional.of(HopKind.SIDECAR));
        clock.advance(Duration.ofMillis(100));
    }

    @Test
    void shouldSuspectOnlyCompletedConnectsAndNoneAtOrPastACuttingTimeout() {
        TargetCore direct = synCore(ProbePath.DIRECT, TIMEOUT);
        TargetCore sidecar = synCore(ProbePath.SIDECAR, TIMEOUT);
        TargetCore longer = synCore(ProbePath.SIDECAR, EffectiveTimeout.configured(Duration.ofMillis(2500)));
        for (TargetCore core : List.of(direct, sidecar, longer)) {
            connects(core, 10, 200);
            cutAt(core, 1010);
            connects(core, 1020, 1);
            connects(core, 2015, 1);
        }

        assertThat(direct.snapshot().stats().retransmitSuspected()).as("direct: both completed ones, never the cut").isEqualTo(2);
        assertThat(sidecar.snapshot().stats().retransmitSuspected())
                .as("behind a 1s timeout a SYN retransmitted at 1s or later cannot complete").isZero();
        assertThat(longer.snapshot().stats().retransmitSuspected()).as("behind 2.5s: the 1s and 2s retransmissions").isEqualTo(2);
    }

    @Test
    void shouldCountSamplesThatLandJustAfterASynRetransmission() {
        TargetCore core = synCore(ProbePath.DIRECT, TIMEOUT);
        connects(core, 2, 95);
        connects(core, 1004, 3);  // first retransmission, 1 s
        connects(core, 3012, 1);  // classic second retransmission, 3 s
        connects(core, 1600, 1);  // slow, but not near a retransmission time

        assertThat(core.snapshot().stats().retransmitSuspected()).isEqualTo(4);
        assertThat(core.snapshot().suspectedLostSyns()).as("the counter's judgements are the window's").isEqualTo(4);
    }

    @Test
    void shouldInferLostSynsWhereTheKernelWasNotAsked() {
        TargetCore core = synCore(ProbePath.DIRECT, TIMEOUT);
        connects(core, 2, 95);
        connects(core, 1004, 3);

        assertThat(core.snapshot().stats().synLosses()).isEqualTo(new SynLosses(SynLosses.Source.TIMING, 3, 3, 98));
    }

    @Test
    void shouldNotSuspectLostSynsWhenTheMedianIsNotFarBelowOneSecond() {
        TargetCore core = synCore(ProbePath.DIRECT, TIMEOUT);
        connects(core, 400, 60);
        connects(core, 1010, 40);

        assertThat(core.snapshot().stats().retransmitSuspected()).isZero();
        assertThat(core.snapshot().suspectedLostSyns()).isZero();
    }

    /** Through the sidecar our socket ends at the local Envoy: the kernel's count says nothing upstream, timing does. */
    @Test
    void shouldInferLostSynsOnTheSidecarPathWhereTheKernelCountedTheLocalConnect() {
        TargetCore core = synCore(ProbePath.SIDECAR, EffectiveTimeout.configured(Duration.ofSeconds(5)));
        for (long[] c : new long[][] {{2, 95}, {1004, 1}, {1004, 1}, {2003, 1}, {1600, 1}}) {
            for (int i = 0; i < c[1]; i++) {
                Duration connect = Duration.ofMillis(c[0]);
                core.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, connect)), connect.plusMillis(5),
                        Optional.empty(), Optional.of(new TcpConnectInfo(Duration.ofMillis(1), 0)),
                        new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()),
                        Optional.of(new UpstreamSample(connect, false)), false, Optional.empty());
                clock.advance(Duration.ofMillis(100));
            }
        }

        assertThat(core.snapshot().stats().synLosses().source()).isEqualTo(SynLosses.Source.TIMING);
        assertThat(core.snapshot().stats().synLosses().connects()).as("the two at 1 s and the one at 2 s").isEqualTo(3);
    }

    /**
     * Issue 31: the suspicion was judged twice, once for the counter (against the median when the connect came) and
     * again for the window (against the median of whenever it was read): a slower window later made the window's count
     * disagree with the counter about the same connects. Judged once, they stay the same.
     */
    @Test
    void shouldKeepTheWindowsCountOfLostSynsEqualToTheCountersWhenTheMedianMovesLater() {
        TargetCore core = synCore(ProbePath.DIRECT, TIMEOUT);
        connects(core, 2, 95);
        connects(core, 1004, 3);
        connects(core, 400, 200); // the median rises far above 100 ms: nothing new is suspected

        assertThat(core.snapshot().suspectedLostSyns()).isEqualTo(3);
        assertThat(core.snapshot().stats().retransmitSuspected()).as("the three still in the window, judged when they came")
                .isEqualTo(3);
    }

    // ---- The snapshot: statistics, levels, cuts and failures of one moment.

    @Test
    void shouldGiveTheStatisticsOfTheSnapshotsOwnMomentEvenWhenReadAfterARecord() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        connects(core, 20, 10); // not judged: nobody has asked for these statistics yet
        TargetSnapshot before = core.snapshot();

        attempts(core, 1, true);

        assertThat(before.stats().count()).as("computed after the cut, of the moment before it").isEqualTo(10);
        assertThat(before.stats().exceededCount()).isZero();
        assertThat(before.cuts()).isEmpty();
        TargetSnapshot after = core.snapshot();
        assertThat(after.stats().count()).isEqualTo(11);
        assertThat(after.stats().exceededCount()).isEqualTo(1);
        assertThat(after.cuts()).containsEntry(HopKind.SIDECAR, 1L);
        assertThat(after.levels().of(AlertName.EGRESS_CONNECT_TIMEOUTS)).as("judged on that window")
                .isEqualTo(Level.CRITICAL.ordinal());
    }

    @Test
    void shouldComputeTheStatisticsOncePerMomentAndKeepThemAcrossAJudgementThatRecordedNothing() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        attempts(core, 10, false);
        var stats = core.snapshot().stats();

        assertThat(core.snapshot().stats()).isSameAs(stats);
        core.judge(clock.instant());
        assertThat(core.snapshot().stats()).as("a judgement changes the levels, not the window").isSameAs(stats);
        core.setTimeout(EffectiveTimeout.configured(Duration.ofSeconds(2)));
        assertThat(core.snapshot().stats().timeout().value()).as("another timeout, other statistics")
                .isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldPublishANewMomentWhenTheOldestAttemptLeavesTheWindowWithoutARecord() {
        TargetCore core = core(target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR);
        attempts(core, 3, true);
        assertThat(core.snapshot().stats().count()).isEqualTo(3);

        clock.advance(Duration.ofMinutes(2));

        assertThat(core.snapshot().stats().count()).as("the window is two minutes: every attempt left it").isZero();
        assertThat(core.snapshot().cuts()).as("the counts since start stay").containsEntry(HopKind.SIDECAR, 3L);
    }

    // ---- check: the one-shot judgement is the daemon's evaluator's, without the wait.

    record Run(String name, long fastMillis, long slowMillis, int slowEvery, Optional<FailureReason> failEvery) {}

    void runAttempt(TargetCore core, Run run, int i) {
        boolean odd = run.slowEvery() > 0 && i % run.slowEvery() == run.slowEvery() - 1;
        if (odd && run.failEvery().isPresent()) {
            FailureReason reason = run.failEvery().get();
            boolean cut = reason.isCut();
            core.record(new ProbeResult.Failure(reason, cut ? Phase.TLS : Phase.CONNECT, PhaseTimings.of(Map.of()),
                    Duration.ofMillis(cut ? 1002 : 1), Optional.empty(), Optional.empty(), Optional.empty(), "x"),
                    cut ? Optional.of(new UpstreamSample(Duration.ofMillis(1002), true)) : Optional.empty(), false,
                    cut ? Optional.of(HopKind.SIDECAR) : Optional.empty());
        } else {
            long ms = odd ? run.slowMillis() : run.fastMillis();
            core.record(completed(ms), Optional.of(new UpstreamSample(Duration.ofMillis(ms), false)), false, Optional.empty());
        }
    }

    /**
     * Issue 31: {@code check} judges through the same core and evaluator as the daemon. The daemon judges a steady run
     * every second, and on until its {@code for} has passed after the last attempt; the same attempts in a one-shot
     * core, judged once now, reach the same level of every alert.
     */
    @Test
    void shouldJudgeARunNowAsTheDaemonsEvaluatorDoesOnceItsForHasPassed() {
        List<Run> runs = List.of(
                new Run("fast", 20, 20, 0, Optional.empty()),
                new Run("p99 at 62%", 20, 620, 20, Optional.empty()),
                new Run("p99 at 85%", 20, 850, 20, Optional.empty()),
                new Run("a cut", 20, 20, 60, Optional.of(FailureReason.ENVOY_CONNECT_TIMEOUT)),
                new Run("5% refused", 20, 20, 20, Optional.of(FailureReason.REFUSED)),
                new Run("20% refused", 20, 20, 5, Optional.of(FailureReason.REFUSED)),
                new Run("down", 20, 20, 1, Optional.of(FailureReason.TLS_CERTIFICATE)));
        for (Run run : runs) {
            Target t = target(Duration.ofSeconds(1), Thresholds.DEFAULT);
            TargetCore daemon = core(t, ProbePath.SIDECAR);
            TargetCore once = TargetCore.forRun(java.time.Clock.fixed(Instant.EPOCH, java.time.ZoneOffset.UTC), t,
                    ProbePath.SIDECAR, 4, 60);
            once.setTimeout(TIMEOUT);
            for (int i = 0; i < 60; i++) {
                runAttempt(daemon, run, i);
                runAttempt(once, run, i);
                daemon.judge(clock.instant());
                clock.advance(Duration.ofSeconds(1));
            }
            for (int s = 0; s <= FOR.toSeconds(); s++) { // the last attempt's condition, held for `for`
                daemon.judge(clock.instant());
                clock.advance(Duration.ofSeconds(1));
            }

            assertThat(once.judgeNow().levels()).as(run.name()).isEqualTo(daemon.snapshot().levels().levels());
        }
        TargetCore fast = TargetCore.forRun(java.time.Clock.fixed(Instant.EPOCH, java.time.ZoneOffset.UTC),
                target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR, 4, 60);
        fast.setTimeout(TIMEOUT);
        for (int i = 0; i < 60; i++) {
            runAttempt(fast, runs.get(2), i);
        }
        assertThat(fast.judgeNow().highest()).as("no wait: critical at once").isEqualTo(Level.CRITICAL.ordinal());
        assertThat(fast.snapshot().levels().highest()).as("judging now changes nothing the evaluator holds").isZero();
    }
}
