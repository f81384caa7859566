package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.MetricNames;
import io.egressprobe.metrics.TargetFamilies;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.target.TargetCore;
import io.egressprobe.testing.MutableClock;
import io.egressprobe.window.ConnectBuckets;
import io.egressprobe.window.ConnectLatency;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Issue 31: the meters read what they show from the target's state (its core's snapshot, its facts); where a fact
 * changes which series exist or their labels, the state tells them itself. Nothing here calls the meters but to build
 * them and hand them an attempt's sample.
 */
class TargetMetersTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T03:00:00Z"));
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Target target = new Target("api", "api.example.com", 443, "api.example.com", TlsSettings.DEFAULT, Optional.empty(),
            new ProbeSettings(Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofMinutes(2), Optional.empty(),
                    Thresholds.DEFAULT, 5, Duration.ZERO, 2), Map.of());
    final TargetState state = new TargetState(clock, target, ProbePath.SIDECAR,
            new TargetCore(clock, target, ProbePath.SIDECAR, 4));
    final TargetMeters meters = new TargetMeters(registry, new TargetFamilies(registry, false), target, ProbePath.SIDECAR,
            state, Set.of());

    static Route route(Duration timeout, TimeoutSource source, String cluster) {
        return new Route(List.of(new Hop(HopRef.of(HopKind.SIDECAR, ""), new EffectiveTimeout(timeout, source,
                Optional.of(cluster)), Optional.empty(), false)), Optional.empty(), List.of());
    }

    static Optional<ClusterStats> envoy(long timeouts) {
        return Optional.of(new ClusterStats(OptionalLong.of(timeouts), OptionalLong.empty(), OptionalLong.empty(), Map.of()));
    }

    Double envoyTimeouts() {
        var counter = registry.find(MetricNames.ENVOY_CONNECT_TIMEOUTS).functionCounter();
        return counter == null ? null : counter.count();
    }

    @Test
    void shouldFollowTheTimeoutsSourceAndClusterWithoutBeingTold() {
        state.setRoute(route(Duration.ofMillis(500), TimeoutSource.ENVOY_ADMIN, "outbound|443||api.example.com"), List.of());

        assertThat(registry.find(MetricNames.ENVOY_CONNECT_TIMEOUT).gauges()).singleElement().satisfies(g -> {
            assertThat(g.getId().getTag(MetricNames.SOURCE)).isEqualTo("envoy_admin");
            assertThat(g.value()).isEqualTo(0.5);
        });
        assertThat(registry.find(MetricNames.TARGET_INFO).gauge().getId().getTag("cluster"))
                .isEqualTo("outbound|443||api.example.com");
    }

    @Test
    void shouldMirrorEnvoysTimeoutsAsTheStateCountsThemAndDropTheSeriesWithTheStat() {
        assertThat(envoyTimeouts()).as("no stat, no series").isNull();

        state.setEnvoyStats(envoy(5), "ok");
        assertThat(envoyTimeouts()).isEqualTo(5);
        state.setEnvoyStats(envoy(7), "ok");
        assertThat(envoyTimeouts()).isEqualTo(7);
        state.setEnvoyStats(envoy(2), "ok"); // Envoy restarted: its 2 since then are added
        assertThat(envoyTimeouts()).isEqualTo(9);

        state.setEnvoyStats(Optional.empty(), "the admin API did not answer");
        assertThat(envoyTimeouts()).isNull();
    }

    @Test
    void shouldReadTheAttemptsFailuresStatisticsAndLevelsFromTheCoresSnapshot() {
        Duration fast = Duration.ofMillis(20);
        for (int i = 0; i < 9; i++) {
            ProbeResult ok = new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, fast)), fast, Optional.of(fast),
                    Optional.empty(), new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());
            state.record(ok, Optional.of(new UpstreamSample(fast, false)), false, Optional.empty());
            meters.record(ok, Optional.of(new UpstreamSample(fast, false)));
            clock.advance(Duration.ofSeconds(1));
        }
        ProbeResult cut = new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, Phase.TLS, PhaseTimings.of(Map.of()),
                Duration.ofMillis(10_010), Optional.empty(), Optional.empty(), Optional.empty(), "reset");
        state.record(cut, Optional.of(new UpstreamSample(Duration.ofMillis(10_010), true)), false,
                Optional.of(HopKind.SIDECAR));
        state.core().judge(clock.instant());

        assertThat(registry.find(MetricNames.ATTEMPTS).tag(MetricNames.RESULT, "success").functionCounter().count())
                .isEqualTo(9);
        assertThat(registry.find(MetricNames.ATTEMPTS).tag(MetricNames.RESULT, "failure").functionCounter().count())
                .isEqualTo(1);
        assertThat(registry.find(MetricNames.FAILURES).tag(MetricNames.REASON, "envoy_connect_timeout").functionCounter()
                .count()).isEqualTo(1);
        assertThat(registry.find(MetricNames.TIMEOUT_EXCEEDED).gauge().value()).isEqualTo(0.1);
        assertThat(registry.find(MetricNames.ALERT_LEVEL).tag(MetricNames.ALERTNAME, "EgressConnectTimeouts").gauge().value())
                .isEqualTo(2);
    }

    /**
     * Issue 29 with 31: where the target is judged on the sidecar's own connect histogram, the utilization gauge shows
     * the utilization the alert judged (the snapshot's), not the time to ServerHello's, so the dashboard and
     * egress_probe_alert_level agree.
     */
    @Test
    void shouldShowTheUtilizationTheLatencyAlertJudges() {
        String cluster = "outbound|443||api.example.com";
        state.setRoute(route(Duration.ofSeconds(1), TimeoutSource.ENVOY_ADMIN, cluster), List.of());
        Duration slow = Duration.ofMillis(850);
        for (int i = 0; i < 9; i++) {
            ProbeResult ok = new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, slow)), slow, Optional.empty(),
                    Optional.empty(), new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());
            state.record(ok, Optional.of(new UpstreamSample(slow, false)), false, Optional.empty());
            clock.advance(Duration.ofSeconds(1));
        }
        assertThat(registry.find(MetricNames.TIMEOUT_UTILIZATION).gauge().value()).as("on the probe's window")
                .isEqualTo(0.85);

        state.setEnvoyStats(connects(0), "ok");
        clock.advance(Duration.ofSeconds(10));
        state.setEnvoyStats(connects(40), "ok");

        assertThat(state.snapshot().latency().basis()).isEqualTo(ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS);
        // 40 connects in (600, 700] ms: p99 = 600 + 100 x 39.6 / 40 = 699 ms of the 1 s timeout.
        assertThat(registry.find(MetricNames.TIMEOUT_UTILIZATION).gauge().value())
                .isEqualTo(0.699, org.assertj.core.api.Assertions.within(1e-9));
    }

    static Optional<ClusterStats> connects(long between600And700) {
        double[] bounds = {100, 250, 500, 600, 700, 800, 900, 1000, 10000};
        ConnectBuckets.Bucket[] b = new ConnectBuckets.Bucket[bounds.length];
        for (int i = 0; i < bounds.length; i++) {
            b[i] = new ConnectBuckets.Bucket(bounds[i], bounds[i] > 600 ? between600And700 : 0);
        }
        return Optional.of(new ClusterStats(OptionalLong.of(0), OptionalLong.empty(), OptionalLong.empty(), Map.of(),
                Optional.of(new ConnectBuckets(List.of(b)))));
    }
}
