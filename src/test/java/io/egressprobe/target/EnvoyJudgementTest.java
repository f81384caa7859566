package io.egressprobe.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.testing.MutableClock;
import io.egressprobe.window.ConnectBuckets;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Issue 29, "the quantity the timeout covers": where the probe's sidecar dials the host and its own histogram holds
 * minSamples connects in the window, the latency alert is judged on Envoy's p99 against the timeout; otherwise on the
 * probe's window, the time to ServerHello, which holds a round trip and the server's crypto more.
 */
class EnvoyJudgementTest {
    static final String CLUSTER = "outbound|443||api.example.com";
    static final EffectiveTimeout TIMEOUT = new EffectiveTimeout(Duration.ofSeconds(1), TimeoutSource.ENVOY_ADMIN,
            Optional.of(CLUSTER));
    static final double[] BOUNDS = {100, 250, 500, 600, 700, 800, 900, 1000, 10000};

    final MutableClock clock = new MutableClock(Instant.parse("2026-12-06T06:00:00Z"));

    static Target target() {
        return new Target("api", "api.example.com", 443, "api.example.com", TlsSettings.DEFAULT, Optional.empty(),
                new ProbeSettings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMinutes(2), Optional.empty(),
                        Thresholds.DEFAULT, 20, Duration.ofSeconds(30), 2, ProbeSettings.BUILT_IN.ipFamily()), Map.of());
    }

    static Route sidecarDials() {
        return new Route(List.of(new Hop(new HopRef(HopKind.SIDECAR, "", Optional.of(CLUSTER)), TIMEOUT, Optional.empty(),
                false)), Optional.empty(), List.of());
    }

    static Route throughGateway() {
        String gateway = "outbound|443|egress|istio-egressgateway.istio-system.svc.cluster.local";
        return new Route(List.of(
                new Hop(new HopRef(HopKind.SIDECAR, "", Optional.of(gateway)), new EffectiveTimeout(Duration.ofSeconds(5),
                        TimeoutSource.ENVOY_ADMIN, Optional.of(gateway)), Optional.empty(), false),
                new Hop(HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"), TIMEOUT, Optional.empty(), false)),
                Optional.empty(), List.of());
    }

    /** The probe's connects at 850 ms to ServerHello (85% of the timeout: critical on the window). */
    TargetCore coreWithSlowServerHellos(int n) {
        TargetCore core = new TargetCore(clock, target(), ProbePath.SIDECAR, 4);
        core.setTimeout(TIMEOUT);
        for (int i = 0; i < n; i++) {
            Duration d = Duration.ofMillis(850);
            core.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.empty(),
                    Optional.empty(), new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()),
                    Optional.of(new UpstreamSample(d, false)), false, Optional.empty());
            clock.advance(Duration.ofSeconds(1));
        }
        return core;
    }

    /** Envoy's window with {@code connects} connects, all between 600 and 700 ms (the same connects, 150 ms earlier). */
    EnvoyConnectWindow.Stats envoy(long connects) {
        EnvoyConnectWindow window = new EnvoyConnectWindow(clock, Duration.ofMinutes(2));
        window.record(buckets(0));
        clock.advance(Duration.ofSeconds(10));
        window.record(buckets(connects));
        return window.stats();
    }

    static ConnectBuckets buckets(long between600And700) {
        ConnectBuckets.Bucket[] b = new ConnectBuckets.Bucket[BOUNDS.length];
        for (int i = 0; i < BOUNDS.length; i++) {
            b[i] = new ConnectBuckets.Bucket(BOUNDS[i], BOUNDS[i] > 600 ? between600And700 : 0);
        }
        return new ConnectBuckets(List.of(b));
    }

    @Test
    void shouldJudgeOnEnvoysOwnConnectWhereTheSidecarDialsTheHostAndHoldsMinSamples() {
        TargetCore core = coreWithSlowServerHellos(40);
        EnvoyConnectWindow.Stats envoy = envoy(40);

        ConnectLatency latency = ConnectLatency.choose(sidecarDials(), ProbePath.SIDECAR, Optional.of(envoy), 20, TIMEOUT,
                core.snapshot().stats());

        assertThat(latency.basis()).isEqualTo(ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS);
        // rank 39.6 of 40, all in (600, 700]: 600 + 100 x 39.6 / 40 = 699 ms.
        assertThat(latency.p99()).contains(Duration.ofMillis(699));
        assertThat(latency.utilization()).isEqualTo(0.699, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(latency.samples()).isEqualTo(40);
        assertThat(core.snapshot().stats().utilization()).as("the window stays the probe's upper bound").isEqualTo(0.85);
    }

    @Test
    void shouldKeepTheProbesWindowBelowMinSamplesOfEnvoysConnects() {
        TargetCore core = coreWithSlowServerHellos(40);

        ConnectLatency latency = ConnectLatency.choose(sidecarDials(), ProbePath.SIDECAR, Optional.of(envoy(19)), 20,
                TIMEOUT, core.snapshot().stats());

        assertThat(latency.basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
        assertThat(latency.utilization()).isEqualTo(0.85);
        assertThat(latency.why()).contains("19 connects, fewer than minSamples (20)");
    }

    /** Envoy records only the connects it completed: with cuts in the window its histogram would hide them. */
    @Test
    void shouldKeepTheProbesWindowWhereTheWindowHoldsCuts() {
        TargetCore core = coreWithSlowServerHellos(40);
        core.record(new ProbeResult.Failure(io.egressprobe.measure.FailureReason.ENVOY_CONNECT_TIMEOUT, Phase.TLS,
                PhaseTimings.of(Map.of()), Duration.ofMillis(1002), Optional.empty(), Optional.empty(), Optional.empty(), "reset"),
                Optional.of(new UpstreamSample(Duration.ofMillis(1002), true)), false, Optional.of(HopKind.SIDECAR));

        ConnectLatency latency = ConnectLatency.choose(sidecarDials(), ProbePath.SIDECAR, Optional.of(envoy(40)), 20,
                TIMEOUT, core.snapshot().stats());

        assertThat(latency.basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
        assertThat(latency.why()).contains("1 connects were cut in the window");
    }

    @Test
    void shouldKeepTheProbesWindowWhereAGatewayDialsTheHost() {
        TargetCore core = coreWithSlowServerHellos(40);

        ConnectLatency latency = ConnectLatency.choose(throughGateway(), ProbePath.SIDECAR, Optional.of(envoy(40)), 20,
                TIMEOUT, core.snapshot().stats());

        assertThat(latency.basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
        assertThat(latency.why()).contains("egress_gateway dials the host");
    }

    /**
     * A forward proxy the sidecar tunnels through dials the host at a timeout nothing here knows: the sidecar's timeout
     * stands in as the limit, but its histogram is of its connect to the proxy, not to the host.
     */
    @Test
    void shouldKeepTheProbesWindowWhereTheSidecarOnlyReachesAForwardProxy() {
        TargetCore core = coreWithSlowServerHellos(40);
        Route tunnel = new Route(List.of(sidecarDials().hops().get(0), Hop.unknownTimeout(HopRef.of(HopKind.PROXY, "proxy"))),
                Optional.empty(), List.of());
        assertThat(tunnel.limit().kind()).isEqualTo(HopKind.SIDECAR);

        ConnectLatency latency = ConnectLatency.choose(tunnel, ProbePath.SIDECAR, Optional.of(envoy(40)), 20, TIMEOUT,
                core.snapshot().stats());

        assertThat(latency.basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
    }

    @Test
    void shouldKeepTheProbesWindowWithoutBucketsOrOffTheSidecarPath() {
        TargetCore core = coreWithSlowServerHellos(40);

        assertThat(ConnectLatency.choose(sidecarDials(), ProbePath.SIDECAR, Optional.empty(), 20, TIMEOUT,
                core.snapshot().stats()).basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
        assertThat(ConnectLatency.choose(sidecarDials(), ProbePath.DIRECT, Optional.of(envoy(40)), 20, TIMEOUT,
                core.snapshot().stats()).basis()).isEqualTo(ConnectLatency.Basis.PROBE_WINDOW);
    }

    /**
     * The judgement itself, through the core that owns it: 85% to ServerHello is critical on the window, 70% of Envoy's
     * connect is a warning; the snapshot publishes the utilization the evaluator judged, of the same moment.
     */
    @Test
    void shouldFireTheLatencyAlertAtTheLevelEnvoysQuantitySays() {
        TargetCore onEnvoy = coreWithSlowServerHellos(40);
        TargetCore onWindow = coreWithSlowServerHellos(40);
        EnvoyConnectWindow.Stats envoy = envoy(40);
        onEnvoy.setEnvoyConnects(sidecarDials(), Optional.of(envoy));
        onWindow.setEnvoyConnects(throughGateway(), Optional.of(envoy));
        for (int i = 0; i < 31; i++) {
            Instant now = clock.instant();
            onEnvoy.judge(now);
            onWindow.judge(now);
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(Level.values()[onEnvoy.snapshot().levels().of(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)])
                .isEqualTo(Level.WARNING);
        assertThat(Level.values()[onWindow.snapshot().levels().of(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)])
                .isEqualTo(Level.CRITICAL);
        TargetSnapshot judged = onEnvoy.snapshot();
        assertThat(judged.latency().basis()).isEqualTo(ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS);
        assertThat(judged.judged().utilization()).isEqualTo(0.699, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(judged.stats().utilization()).as("the window stays the probe's").isEqualTo(0.85);
        assertThat(onWindow.snapshot().judged().utilization()).isEqualTo(0.85);
    }

    /** check's one judgement goes through the same choice: Envoy's p99 of the run decides the level, not ServerHello's. */
    @Test
    void shouldJudgeARunOnceOnEnvoysQuantity() {
        TargetCore run = TargetCore.forRun(clock, target(), ProbePath.SIDECAR, 4, 60);
        run.setTimeout(TIMEOUT);
        for (int i = 0; i < 60; i++) {
            Duration d = Duration.ofMillis(850);
            run.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.empty(),
                    Optional.empty(), new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()),
                    Optional.of(new UpstreamSample(d, false)), false, Optional.empty());
        }
        assertThat(Level.values()[run.judgeNow().of(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)]).isEqualTo(Level.CRITICAL);

        run.setEnvoyConnects(sidecarDials(), Optional.of(envoy(60)));

        assertThat(Level.values()[run.judgeNow().of(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT)]).isEqualTo(Level.WARNING);
        run.setEnvoyConnects(sidecarDials(), Optional.of(envoy(49)));
        assertThat(run.snapshot().latency().why()).as("a run's Envoy window needs the daemon's minSamples, not the run's 1")
                .contains("49 connects, fewer than minSamples (50)");
    }
}
