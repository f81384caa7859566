package io.egressprobe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.target.TargetCore;
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
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteFault;
import io.egressprobe.route.View;
import io.egressprobe.measure.TimeoutSource;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class AdviceTest {
    static final AlertPolicy POLICY = new AlertPolicy(Thresholds.DEFAULT, 50, Duration.ofMinutes(1));
    static final EffectiveTimeout ONE_SECOND = EffectiveTimeout.configured(Duration.ofSeconds(1));
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    /** Through a target's core: lost SYNs are judged there, when each connect is recorded. */
    WindowStats lostSyns() {
        TargetCore core = new TargetCore(clock, new Target("identity", "login.example.com", 443, "login.example.com",
                TlsSettings.DEFAULT, Optional.empty(), new ProbeSettings(Duration.ofMillis(500), Duration.ofSeconds(15),
                Duration.ofMinutes(10), Optional.empty(), Thresholds.DEFAULT, 50, Duration.ofMinutes(1), 2), Map.of()),
                ProbePath.DIRECT, 0);
        core.setTimeout(ONE_SECOND);
        for (int i = 0; i < 600; i++) {
            Duration connect = Duration.ofMillis(i < 597 ? 3 : 1004);
            core.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, connect)), connect, Optional.empty(),
                    Optional.empty(), new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()),
                    Optional.of(new UpstreamSample(connect, false)), false, Optional.empty());
        }
        return core.snapshot().stats();
    }

    Transition transition(AlertName alert, Level from, Level to, WindowStats s) {
        return new Transition("identity", alert, from, to, clock.instant(), clock.instant(), s, POLICY);
    }

    @Test
    void shouldNameTheNumbersTheLostSynsAndTheIstioChange() {
        Transition t = transition(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.OK, Level.CRITICAL, lostSyns());

        Advice a = Advice.of(t, "login.example.com", 443, Optional.empty());

        assertThat(a.summary()).isEqualTo("3 of 600 connects to login.example.com reached the 1s connect timeout (config)");
        assertThat(a.description())
                .contains("p99 3 ms, p99.9 1004 ms, max 1004 ms over 600 connects")
                .contains("3 of 600 completed connects landed just after a SYN retransmission time (1 s or more) while the"
                        + " median was far below it: lost SYNs; a 1s timeout tolerates none.")
                .doesNotContain("cut at the timeout")
                .contains("Share a timeout would have cut: 250ms 1%, 500ms 1%, 1s 1%, 2s 0%");
        assertThat(a.recommendation())
                .startsWith("Recommended connect timeout: 5s (at least 3.012s")
                .contains("kind: DestinationRule", "  host: login.example.com", "number: 443", "connectTimeout: 5s")
                .contains("replaces the whole policy for its port");
    }

    @Test
    void shouldCallCutsCutsAndNeverLostSyns() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 108; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(20), false));
        }
        // Envoy's cut at 1 s lands exactly where a retransmitted SYN would: on the sidecar path it is a cut.
        w.recordFailure(FailureReason.ENVOY_CONNECT_TIMEOUT, Optional.of(new UpstreamSample(Duration.ofMillis(1004), true)));
        w.recordSuccess(new UpstreamSample(Duration.ofMillis(1010), false));
        WindowStats s = WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.SIDECAR, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.OK, Level.CRITICAL, s), "h", 443,
                Optional.empty());

        assertThat(s.retransmitSuspected()).as("a completed connect just past a 1s timeout is the timer's race").isZero();
        assertThat(a.description()).contains("1 of 110 attempts were cut at the timeout: the connect took longer than 1s"
                + " (cuts, not lost SYNs).").doesNotContain("lost SYNs;");
    }

    @Test
    void shouldNameTheLevelAndTheNumberOfEveryMove() {
        WindowStats low = stats(Duration.ofMillis(40));

        String down = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.CRITICAL, Level.WARNING, low),
                "h", 443, Optional.empty()).summary();
        String resolved = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.WARNING, Level.OK, low),
                "h", 443, Optional.empty()).summary();
        String up = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.WARNING, Level.CRITICAL,
                stats(Duration.ofMillis(840))), "h", 443, Optional.empty()).summary();

        assertThat(down).isEqualTo("p99 connect latency to h is 4% of the 1s connect timeout (config): critical → warning,"
                + " below 72% (0.9 × critical's 80%) for 1m; it resolves after 1m below 45%");
        assertThat(resolved).isEqualTo("p99 connect latency to h is 4% of the 1s connect timeout (config), below 45%"
                + " (0.9 × warning's 50%) for 1m");
        assertThat(up).isEqualTo("p99 connect latency to h is 84% of the 1s connect timeout (config), at or above"
                + " critical's 80% for 1m");
    }

    @Test
    void shouldNameTheDominantReasonTheLastErrorAndTheFixOfAFailingTarget() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 100);
        for (int i = 0; i < 6; i++) {
            w.recordFailure(FailureReason.TLS_CERTIFICATE, Optional.empty());
            clock.advance(Duration.ofSeconds(15));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.DIRECT, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_TARGET_FAILING, Level.OK, Level.CRITICAL, s), "pay.example.com",
                8443, Optional.of("tls_certificate during tls: SSLHandshakeException: PKIX path building failed"));

        assertThat(a.summary()).isEqualTo("Every attempt to pay.example.com:8443 in the last 1m failed (tls_certificate)");
        assertThat(a.description()).isEqualTo("Failures in the window: tls_certificate 6 of 6 attempts. Last error:"
                + " tls_certificate during tls: SSLHandshakeException: PKIX path building failed. No connect completed in the"
                + " window; the 1s connect timeout (config).");
        assertThat(a.recommendation()).contains("set tls.caFile on the target");
    }

    @Test
    void shouldSayTheKernelCountedTheLostSynsWhereItDid() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 600; i++) {
            int syns = i < 3 ? (i == 0 ? 2 : 1) : 0;
            Duration connect = Duration.ofMillis(syns == 0 ? 3 : 1003L * syns);
            w.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, connect)), connect,
                    Optional.empty(), Optional.of(new TcpConnectInfo(Duration.ofMillis(3), syns)),
                    new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()),
                    Optional.of(new UpstreamSample(connect, false)));
            clock.advance(Duration.ofMillis(500));
        }

        String causes = Advice.causes(WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.DIRECT, 2));

        assertThat(causes).isEqualTo(" 3 of 600 connects needed a retransmitted SYN (the kernel's count: 4 SYNs sent again):"
                + " lost SYNs; a 1s timeout tolerates none.");
    }

    @Test
    void shouldNeverOfferTheMeshWideSettingForOneHostEvenWhenTheTimeoutIsTheMeshDefault() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 100);
        w.recordSuccess(new UpstreamSample(Duration.ofSeconds(6), false));
        WindowStats s = WindowStatistics.compute(w.snapshot(), EffectiveTimeout.ISTIO_DEFAULT, ProbePath.DIRECT, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.WARNING, s),
                "pay.example.com", 8443, Optional.empty());

        assertThat(a.summary()).isEqualTo("p99 connect latency to pay.example.com is 60% of the 10s connect timeout"
                + " (istio_default), at or above warning's 50% for 1m");
        assertThat(a.recommendation()).contains("  host: pay.example.com", "connectTimeout: 30s")
                .doesNotContain("mesh-wide").doesNotContain("meshConfig");
    }

    WindowStats stats(Duration p99) {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 100);
        w.recordSuccess(new UpstreamSample(p99, false));
        return WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.DIRECT, 2);
    }

    /** Through an egress gateway whose rule is tighter: the advice names the gateway hop, its rule and its namespace. */
    @Test
    void shouldNameTheGatewaysRuleWhereTheGatewayHopIsTheLimit() {
        EffectiveTimeout gatewayTimeout = new EffectiveTimeout(Duration.ofMillis(500), TimeoutSource.DESTINATION_RULE, Optional.empty());
        Route route = new Route(java.util.List.of(
                new Hop(new HopRef(HopKind.SIDECAR, "probe-system", Optional.of("outbound|443|egress|istio-egressgateway.istio-system.svc.cluster.local")),
                        new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN, Optional.empty()), Optional.empty(), false),
                new Hop(HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"), gatewayTimeout, Optional.of("istio-system/pay-from-gateway"), false)),
                Optional.empty(), java.util.List.of());
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 100; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(i < 95 ? 80 : 450), false));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), gatewayTimeout, ProbePath.SIDECAR, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.CRITICAL, s),
                "pay.example.com", 443, Optional.empty(), route);

        assertThat(a.summary()).contains("of the 500ms connect timeout at the egress_gateway (destination_rule)");
        assertThat(a.description()).contains("set by DestinationRule istio-system/pay-from-gateway")
                .contains("route: sidecar 10s → egress_gateway 500ms");
        assertThat(a.recommendation()).contains("at the egress gateway", "as the egress gateway (namespace istio-system) sees it",
                "istio-system/pay-from-gateway", "  namespace: istio-system", "  host: pay.example.com")
                .as("the rule in effect is edited: a second rule for the host would be merged away")
                .contains("  name: pay-from-gateway").doesNotContain("pay-example-com-connect-timeout");
    }

    /**
     * Issue 29, item 7: where the gateway's VirtualService routes it to a subset on another port (the TLS-origination
     * shape: port 80 on to 443, subset tls-origination), the advice edits that subset of the rule in effect, for the
     * gateway's host and port, keeping its tls; not the target's port with no subset.
     */
    @Test
    void shouldEditTheSubsetTheGatewaysVirtualServiceRoutesTo() {
        EffectiveTimeout gatewayTimeout = new EffectiveTimeout(Duration.ofMillis(500), TimeoutSource.DESTINATION_RULE,
                Optional.of("outbound|443|tls-origination|pay.example.com"));
        Route route = new Route(java.util.List.of(
                new Hop(new HopRef(HopKind.SIDECAR, "probe-system", Optional.of("outbound|80|egress|istio-egressgateway.istio-system.svc.cluster.local")),
                        new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN, Optional.empty()), Optional.empty(), false),
                new Hop(new HopRef(HopKind.EGRESS_GATEWAY, "istio-system", Optional.of("outbound|443|tls-origination|pay.example.com"),
                        Optional.of(80), Optional.of("VirtualService default/pay-through-gateway")), gatewayTimeout,
                        Optional.of("default/originate-tls-for-pay"), true)),
                Optional.empty(), java.util.List.of());
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 100; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(i < 95 ? 80 : 450), false));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), gatewayTimeout, ProbePath.SIDECAR, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.CRITICAL, s),
                "pay.example.com", 80, Optional.empty(), route);

        assertThat(a.recommendation()).contains("dials pay.example.com:443, subset tls-origination (VirtualService default/pay-through-gateway)",
                "  name: originate-tls-for-pay", "  namespace: default", "  subsets:\n  - name: tls-origination\n",
                "its portLevelSettings entry for port 443").doesNotContain("number: 80");
    }

    /**
     * Issue 29, item 7: a new rule's port-level entry replaces the port's whole policy, tls included (Istio's
     * MergeTrafficPolicy): where the hop originates TLS, the entry keeps it on.
     */
    @Test
    void shouldKeepTlsOriginationInTheEntryItAdvises() {
        Route route = new Route(java.util.List.of(new Hop(HopRef.of(HopKind.SIDECAR, "probe-system"), ONE_SECOND, Optional.empty(), true)),
                Optional.empty(), java.util.List.of());
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 100; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(900), false));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.SIDECAR, 2);

        Advice a = Advice.of(transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.CRITICAL, s),
                "pay.example.com", 80, Optional.empty(), route);

        assertThat(a.recommendation()).contains("number: 80", "connectTimeout: ", "      tls:\n        mode: SIMPLE");
    }

    /**
     * Issue 29, item 9: a target that names its callers is judged on the tightest view, and its alert says whose it is
     * and how the same connects stand against each caller's own timeout, under the labels the rules give theirs.
     */
    @Test
    void shouldNameEachCallersTimeoutAndLevelInOneAlert() {
        EffectiveTimeout paymentsRule = new EffectiveTimeout(Duration.ofSeconds(1), TimeoutSource.DESTINATION_RULE, Optional.empty());
        View payments = new View("payments", new Route(java.util.List.of(new Hop(HopRef.of(HopKind.SIDECAR, "payments"),
                paymentsRule, Optional.of("payments/pay-1s"), false)), Optional.empty(), java.util.List.of()));
        View checkout = new View("checkout", Route.single(EffectiveTimeout.ISTIO_DEFAULT));
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 100; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(i < 95 ? 80 : 950), false));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), paymentsRule, ProbePath.SIDECAR, 2);
        Transition t = transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.CRITICAL, s);

        Advice a = Advice.of(t, "pay.example.com", 443, Optional.empty(), payments.route(), java.util.List.of(), java.util.List.of(checkout, payments));

        assertThat(a.summary()).contains("of the 1s connect timeout of the callers in payments (destination_rule)");
        assertThat(a.description()).contains("By caller namespace: checkout 10s, utilization 10%, below warning;"
                + " payments 1s (DestinationRule payments/pay-1s), utilization 95%, critical.");
        assertThat(Advice.of(t, "pay.example.com", 443, Optional.empty(), payments.route()).description())
                .as("a target without callers has one view: nothing to split").doesNotContain("By caller namespace");

        // Judged on the sidecar's own connects (issue 29): the alert says so, and each caller is judged on the same p99.
        io.egressprobe.window.ConnectLatency envoy = new io.egressprobe.window.ConnectLatency(
                io.egressprobe.window.ConnectLatency.Basis.ENVOY_UPSTREAM_CX_CONNECT_MS, 0.699, Optional.of(Duration.ofMillis(699)),
                60, "the sidecar dials the host");
        Transition onEnvoy = transition(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.WARNING, s.judgedOn(envoy));
        assertThat(Advice.of(onEnvoy, "pay.example.com", 443, Optional.empty(), payments.route(), java.util.List.of(),
                java.util.List.of(checkout, payments)).description())
                .contains("utilization 70% of the sidecar's own upstream connect p99 699 ms over 60 connects")
                .contains("payments 1s (DestinationRule payments/pay-1s), utilization 70%, warning.");
    }

    /** A host the mesh blocks: configuration, not latency, whatever the failures look like. */
    @Test
    void shouldSayAHostTheMeshBlocksNeedsAServiceEntry() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 100);
        for (int i = 0; i < 6; i++) {
            w.recordFailure(FailureReason.CLOSED, Optional.empty());
            clock.advance(Duration.ofSeconds(15));
        }
        WindowStats s = WindowStatistics.compute(w.snapshot(), ONE_SECOND, ProbePath.SIDECAR, 2);
        Route blocked = new Route(Route.single(ONE_SECOND).hops(), Optional.of(RouteFault.REGISTRY_ONLY), java.util.List.of());

        Advice a = Advice.of(transition(AlertName.EGRESS_TARGET_FAILING, Level.OK, Level.CRITICAL, s), "new.example.com", 443,
                Optional.of("closed during tls: ClosedChannelException"), blocked);

        assertThat(a.recommendation()).startsWith("This is configuration, not latency: the mesh blocks undeclared hosts")
                .contains("add a ServiceEntry for new.example.com port 443");
    }

    // A table of the ways a window reaches the timeout (issue 34): a path fault is fixed on the path, a slow path by the
    // timeout. Each case is the window as the daemon records it: the attempts, their samples, their addresses.

    /** One attempt as the window and the per-address view record it: a completed connect or a cut at {@code millis}. */
    record Try(String address, long millis, boolean cut) {}

    final SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000, 8);

    WindowStats record(java.util.List<Try> tries, EffectiveTimeout timeout, ProbePath path) {
        for (Try t : tries) {
            UpstreamSample sample = new UpstreamSample(Duration.ofMillis(t.millis()), t.cut());
            if (t.cut()) {
                w.recordFailure(FailureReason.ENVOY_CONNECT_TIMEOUT, Optional.of(sample), t.address());
            } else {
                w.recordSuccess(sample, t.address());
            }
            clock.advance(Duration.ofSeconds(1));
        }
        return WindowStatistics.compute(w.snapshot(), timeout, path, 2);
    }

    Advice critical(WindowStats s, String host, Route route) {
        return Advice.of(transition(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.OK, Level.CRITICAL, s), host, 443,
                Optional.empty(), route, w.addresses());
    }

    /**
     * One of three addresses dead behind a 2s timeout (an ORIGINAL_DST cluster: the probe sees each address): every
     * attempt to it cut, the others complete in a few ms. Over every sample, 3 × p99.9 (the cut's 2.01 s) called for
     * 10s, and Envoy would then hang 10 s on the dead address instead of failing over after 2 s.
     */
    @Test
    void shouldSayFixThePathAndNameTheDeadAddressNotRaiseTheTimeoutForOneDeadIpOfThree() {
        EffectiveTimeout twoSeconds = new EffectiveTimeout(Duration.ofSeconds(2), TimeoutSource.DESTINATION_RULE, Optional.empty());
        java.util.List<Try> tries = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tries.add(i % 3 == 2 ? new Try("10.0.0.3", 2010, true) : new Try("10.0.0." + (i % 3 + 1), 4 + i % 3, false));
        }
        WindowStats s = record(tries, twoSeconds, ProbePath.SIDECAR);

        Advice a = critical(s, "api.example.com", Route.single(twoSeconds));

        assertThat(s.pathFault()).as("cuts at the timeout beside completions of a few ms").isPresent();
        assertThat(s.recommendation().orElseThrow().timeout()).as("what the 40 completed connects call for: p99 5 ms + 3 s"
                + " for two lost SYNs; over every sample it was 10s").isEqualTo(Duration.ofSeconds(5));
        assertThat(a.recommendation())
                .startsWith("Fix the path, not the timeout: 20 of 60 connects were cut at the 2s connect timeout while the 40"
                        + " that completed took at most 5 ms (p99 5 ms): nothing is slow, some connects are never answered.")
                .contains("10.0.0.3 carries the cuts (20 of its 20 attempts; the other 2 addresses 0 of 40): that address"
                        + " does not answer from this node.")
                .contains("a longer timeout only makes the proxy wait that long on 10.0.0.3 before it tries another address")
                .doesNotContain("kind: DestinationRule").doesNotContain("10s").doesNotContain("mesh");
    }

    /**
     * An egress gateway whose upstream is half dead: half the attempts cut at the gateway's 10s, the rest complete in
     * 20-25 ms. Over every sample this called for 30s and "or mesh-wide meshConfig.connectTimeout: 30s".
     */
    @Test
    void shouldSayFixThePathAtTheGatewayNotRaiseItMeshWideForAHalfDeadGatewayUpstream() {
        EffectiveTimeout tenSeconds = new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.MESH_CONFIG, Optional.empty());
        Route route = new Route(java.util.List.of(
                new Hop(HopRef.of(HopKind.SIDECAR, "probe-system"), tenSeconds, Optional.empty(), false),
                new Hop(HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"), tenSeconds, Optional.empty(), false)),
                Optional.empty(), java.util.List.of());
        java.util.List<Try> tries = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tries.add(i % 2 == 0 ? new Try("10.96.0.20", 10_040, true) : new Try("10.96.0.20", 20 + i % 6, false));
        }
        WindowStats s = record(tries, tenSeconds, ProbePath.SIDECAR);

        Advice a = critical(s, "pay.example.com", route);

        assertThat(a.recommendation())
                .startsWith("Fix the path, not the timeout: 30 of 60 connects were cut at the 10s connect timeout at the"
                        + " egress_gateway while the 30 that completed took at most 25 ms (p99 25 ms)")
                .contains("The cuts are at the egress gateway (namespace istio-system)'s connect to pay.example.com: an"
                        + " upstream endpoint that does not answer")
                .contains("the current 10s already covers them; leave the timeout as it is.")
                .doesNotContain("30s").doesNotContain("mesh").doesNotContain("kind: DestinationRule");
    }

    /** Ambient: ztunnel's 10s is fixed in ztunnel; no DestinationRule raises it, for a path fault or for latency. */
    @Test
    void shouldOfferNoDestinationRuleInAmbientWhereZtunnelsTimeoutIsFixed() {
        EffectiveTimeout ztunnel = new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ZTUNNEL_DEFAULT, Optional.empty());
        Route route = new Route(java.util.List.of(new Hop(HopRef.of(HopKind.ZTUNNEL, ""), ztunnel, Optional.empty(), false)),
                Optional.empty(), java.util.List.of());
        java.util.List<Try> slow = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            slow.add(new Try("10.1.0.1", i < 55 ? 3000 + 50L * i : 7400, false));
        }
        WindowStats latency = record(slow, ztunnel, ProbePath.AMBIENT);

        Advice a = critical(latency, "pay.example.com", route);

        assertThat(latency.pathFault()).isEmpty();
        assertThat(a.recommendation()).startsWith("The distribution calls for 30s (at least 22.2s")
                .contains("ztunnel's connect timeout is fixed in ztunnel (10s, istio/ztunnel src/proxy.rs) and no"
                        + " DestinationRule changes it")
                .doesNotContain("kind: DestinationRule").doesNotContain("Recommended connect timeout");
    }

    /**
     * A genuinely slow path: the completed connects spread up to the timeout and the cuts are their tail. There a
     * longer timeout IS the advice, with the DestinationRule that sets it for this host.
     */
    @Test
    void shouldRecommendALongerTimeoutWithItsDestinationRuleForAGenuinelySlowPath() {
        java.util.List<Try> tries = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tries.add(i < 57 ? new Try("10.0.0.1", 300 + 11L * i, false) : new Try("10.0.0.1", 1010, true));
        }
        WindowStats s = record(tries, ONE_SECOND, ProbePath.SIDECAR);

        Advice a = critical(s, "slow.example.com", Route.single(ONE_SECOND));

        assertThat(s.pathFault()).as("completions at up to 916 ms of a 1s timeout: the cuts are their tail").isEmpty();
        assertThat(a.recommendation()).startsWith("Recommended connect timeout: 5s (at least 4.01s")
                .contains("kind: DestinationRule", "  host: slow.example.com", "connectTimeout: 5s")
                .doesNotContain("Fix the path").doesNotContain("mesh");
    }

    /** Every attempt cut, none completed: nothing to size a timeout on; the advice says how to find out. */
    @Test
    void shouldRecommendNoTimeoutWhenEveryConnectWasCut() {
        java.util.List<Try> tries = new java.util.ArrayList<>();
        for (int i = 0; i < 60; i++) {
            tries.add(new Try("10.0.0.1", 1010, true));
        }
        WindowStats s = record(tries, ONE_SECOND, ProbePath.SIDECAR);

        Advice a = critical(s, "dead.example.com", Route.single(ONE_SECOND));

        assertThat(s.recommendation()).as("over every sample this was 3 × the timeout").isEmpty();
        assertThat(a.recommendation()).startsWith("Fix the path, not the timeout: all 60 connects were cut at the 1s"
                + " connect timeout and none completed").contains("egress-probe check dead.example.com:443 --path direct")
                .doesNotContain("kind: DestinationRule");
    }

    /**
     * A refused client certificate is about that certificate and the server's trust of it, never the server's own
     * certificate; a local pair problem sends nobody to the server; check's words are its own flags.
     */
    @Test
    void shouldSpeakOfTheClientCertificateWhenTheServerRefusedOursInTheWordsOfEachReader() {
        Optional<String> refused = Optional.of("tls_certificate during tls: "
                + io.egressprobe.measure.ClientCertificateProblem.REFUSED.text() + " /etc/mtls/tls.crt (issued by CN=bank client CA):"
                + " SSLHandshakeException: Received fatal alert: certificate_expired");
        Optional<String> unusable = Optional.of(io.egressprobe.measure.ClientCertificateProblem.UNUSABLE.text()
                + ": /etc/mtls/tls.crt and /etc/mtls/tls.key are not one pair: the key belongs to another certificate");
        Optional<String> serverSide = Optional.of("tls_certificate during tls: PKIX path building failed");

        String daemon = Advice.hint(FailureReason.TLS_CERTIFICATE, "api.bank.test", 443, refused, Advice.Settings.CONFIG);
        String check = Advice.hint(FailureReason.TLS_CERTIFICATE, "api.bank.test", 443, refused, Advice.Settings.CHECK_FLAGS);
        String local = Advice.hint(FailureReason.TLS_CERTIFICATE, "api.bank.test", 443, unusable, Advice.Settings.CHECK_FLAGS);

        assertThat(daemon).contains("refused the client certificate in tls.certFile").contains("trust that issuer")
                .doesNotContain("caFile").doesNotContain("verify");
        assertThat(check).contains("--cert-file").doesNotContain("tls.").doesNotContain("--ca-file").doesNotContain("--insecure");
        assertThat(local).contains("--cert-file and --key-file").contains("local configuration problem")
                .doesNotContain("refused the");
        assertThat(Advice.hint(FailureReason.TLS_CERTIFICATE, "api.bank.test", 443, serverSide, Advice.Settings.CHECK_FLAGS))
                .contains("--ca-file").contains("--insecure").doesNotContain("tls.caFile");
    }
}
