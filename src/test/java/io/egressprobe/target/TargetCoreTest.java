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
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.route.HopKind;
import io.egressprobe.testing.MutableClock;
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

    /** {@code n} attempts one a second, each judged as the alert loop judges. */
    void attempts(TargetCore core, int n, boolean cut) {
        for (int i = 0; i < n; i++) {
            if (cut) {
                core.record(cut(), Optional.of(new UpstreamSample(Duration.ofMillis(1002), true)), false,
                        Optional.of(HopKind.SIDECAR), TIMEOUT);
            } else {
                core.record(fast(), Optional.of(new UpstreamSample(Duration.ofMillis(20), false)), false, Optional.empty(),
                        TIMEOUT);
            }
            seen.addAll(core.judge(TIMEOUT, clock.instant()));
            clock.advance(Duration.ofSeconds(1));
        }
    }

    Level level(TargetCore core, AlertName alert) {
        return Level.values()[core.snapshot().levels().of(alert)];
    }

    /** Issue 31, defect 3: an operator shortens the interval of a firing target; nothing resolves that did not recover. */
    @Test
    void shouldHoldTheFiringAlertsWhenAnEditedIntervalEmptiesTheWindowAndJudgeAfreshOnceItHoldsMinSamples() {
        TargetCore core = new TargetCore(clock, target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR, 4);
        attempts(core, 60, true);
        assertThat(level(core, AlertName.EGRESS_CONNECT_TIMEOUTS)).isEqualTo(Level.CRITICAL);
        assertThat(level(core, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)).isEqualTo(Level.CRITICAL);
        seen.clear();

        core.settle(target(Duration.ofMillis(500), Thresholds.DEFAULT));

        assertThat(core.snapshot().windowResets()).isEqualTo(1);
        assertThat(core.stats(TIMEOUT).attempts().total()).as("the window starts empty").isZero();
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
        TargetCore core = new TargetCore(clock, target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR, 4);
        attempts(core, 25, true);

        core.settle(target(Duration.ofSeconds(1), new Thresholds(0.4, 0.7, 0.01, 0.1)));

        assertThat(core.snapshot().windowResets()).isZero();
        assertThat(core.stats(TIMEOUT).attempts().total()).isEqualTo(25);
    }

    @Test
    void shouldCountEachCutOnceForEveryReader() {
        TargetCore core = new TargetCore(clock, target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR, 4);
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
        TargetCore core = new TargetCore(clock, target(Duration.ofSeconds(1), Thresholds.DEFAULT), ProbePath.SIDECAR, 4);
        core.restore(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.CRITICAL, clock.instant().minus(Duration.ofMinutes(9)));

        attempts(core, 19, false);
        assertThat(seen).isEmpty();
        attempts(core, 1, false);

        assertThat(seen).singleElement().satisfies(t -> {
            assertThat(t.isResolve()).isTrue();
            assertThat(t.since()).isEqualTo(Instant.parse("2026-12-06T02:51:00Z"));
        });
    }
}
