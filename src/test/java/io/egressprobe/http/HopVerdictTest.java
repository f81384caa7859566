package io.egressprobe.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.window.ConnectLatency;
import io.egressprobe.window.EnvoyConnectWindow;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * The in-cluster leg of an egress-gateway route is judged on the probe's own sidecar's histogram for the gateway
 * cluster over the window, once it holds minSamples connects (issue 29); Envoy's since-start quantile before that.
 */
class HopVerdictTest {
    static final String GATEWAY = "outbound|443|egress|istio-egressgateway.istio-system.svc.cluster.local";
    static final Route ROUTE = new Route(List.of(
            new Hop(new HopRef(HopKind.SIDECAR, "", Optional.of(GATEWAY)), new EffectiveTimeout(Duration.ofSeconds(2),
                    TimeoutSource.ENVOY_ADMIN, Optional.of(GATEWAY)), Optional.empty(), false),
            new Hop(HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"), new EffectiveTimeout(Duration.ofSeconds(10),
                    TimeoutSource.DESTINATION_RULE, Optional.empty()), Optional.empty(), false)),
            Optional.empty(), List.of());
    static final ConnectLatency ON_WINDOW = new ConnectLatency(ConnectLatency.Basis.PROBE_WINDOW, 0.1,
            Optional.of(Duration.ofSeconds(1)), 40, "the egress_gateway dials the host");

    static TargetFacts facts() {
        Target t = new Target("api", "api.example.com", 443, "api.example.com", TlsSettings.DEFAULT, Optional.empty(),
                new ProbeSettings(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofMinutes(2), Optional.empty(),
                        Thresholds.DEFAULT, 20, Duration.ofSeconds(30), 2, ProbeSettings.BUILT_IN.ipFamily()), Map.of());
        // Since start Envoy says 50 ms: the sidecar's history, before the leg turned slow.
        return TargetFacts.initial(t, ProbePath.SIDECAR).withEnvoyStats(Optional.of(new ClusterStats(OptionalLong.of(3),
                OptionalLong.of(3), OptionalLong.of(900), Map.of(0.99, Duration.ofMillis(50)))), "ok");
    }

    @Test
    void shouldJudgeTheGatewayLegOnTheSidecarsWindowedHistogram() {
        EnvoyConnectWindow.Stats window = new EnvoyConnectWindow.Stats(40, Optional.of(Duration.ofMillis(900)),
                Optional.of(Duration.ofMillis(1500)), 0);

        String verdict = TargetStatus.verdict(ROUTE, ROUTE.hops().get(0), facts(), ON_WINDOW, Optional.of(window));

        assertThat(verdict).contains("judged on envoy_upstream_cx_connect_ms").contains("p99 connect 1500 ms of its 2000 ms")
                .contains("utilization 75%").contains("40 connects in the window");
    }

    @Test
    void shouldFallBackToEnvoysQuantileSinceStartBelowMinSamples() {
        EnvoyConnectWindow.Stats window = new EnvoyConnectWindow.Stats(5, Optional.of(Duration.ofMillis(900)),
                Optional.of(Duration.ofMillis(1500)), 0);

        String verdict = TargetStatus.verdict(ROUTE, ROUTE.hops().get(0), facts(), ON_WINDOW, Optional.of(window));

        assertThat(verdict).contains("since it started 50 ms").contains("5 connects in the window, fewer than minSamples 20")
                .doesNotContain("judged on envoy_upstream_cx_connect_ms");
    }
}
