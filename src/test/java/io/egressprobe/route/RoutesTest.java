package io.egressprobe.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The chain of hops from its sources, with sources that are plain values: the resolution's rules, one at a time. */
class RoutesTest {
    static final Destination HOST = new Destination("api.example.com", 443);
    static final Topology SIDECAR_ONLY = Topology.of(HopRef.of(HopKind.SIDECAR, "probe-system"));

    /** A source that knows one hop kind's timeout, and optionally the topology. */
    record Fixed(HopKind kind, Duration value, TimeoutSource source, Optional<Topology> topology) implements RouteSource {
        @Override
        public Optional<Topology> topology(Destination d) {
            return topology;
        }

        @Override
        public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
            return hop.kind() == kind ? Optional.of(HopTimeout.of(new EffectiveTimeout(value, source, Optional.empty())))
                    : Optional.empty();
        }
    }

    @Test
    void shouldTakeEachHopsTimeoutFromTheFirstSourceThatSaysOne() {
        Topology viaGateway = Topology.of(HopRef.of(HopKind.SIDECAR, "probe-system"), HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"));
        List<RouteSource> sources = List.of(
                new Fixed(HopKind.SIDECAR, Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN, Optional.of(viaGateway)),
                new ConfiguredTimeout(Optional.of(Duration.ofSeconds(2))),
                new Fixed(HopKind.EGRESS_GATEWAY, Duration.ofMillis(500), TimeoutSource.DESTINATION_RULE, Optional.empty()));

        Route route = Routes.resolve(HOST, SIDECAR_ONLY, sources);

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.SIDECAR, HopKind.EGRESS_GATEWAY);
        assertThat(route.hops().get(0).timeout().source()).as("the sidecar's own word beats the configured value")
                .isEqualTo(TimeoutSource.ENVOY_ADMIN);
        assertThat(route.limit().kind()).isEqualTo(HopKind.EGRESS_GATEWAY);
        assertThat(route.timeout().value()).isEqualTo(Duration.ofMillis(500));
        assertThat(route.isChain()).isTrue();
    }

    @Test
    void shouldFallBackToThePathsHopAndItsProxysDefaultWhereNoSourceAnswers() {
        Route sidecar = Routes.resolve(HOST, SIDECAR_ONLY, List.of(new ConfiguredTimeout(Optional.empty())));
        Route ambient = Routes.resolve(HOST, Topology.of(HopRef.of(HopKind.ZTUNNEL, "probe-system")),
                List.of(new ConfiguredTimeout(Optional.of(Duration.ofSeconds(1)))));

        assertThat(sidecar.timeout()).isEqualTo(EffectiveTimeout.ISTIO_DEFAULT);
        assertThat(sidecar.isChain()).isFalse();
        assertThat(ambient.timeout().source()).as("an Envoy timeout configured for the target is no ztunnel's")
                .isEqualTo(TimeoutSource.ZTUNNEL_DEFAULT);
        assertThat(ambient.timeout().value()).isEqualTo(Routes.ZTUNNEL_CONNECT_TIMEOUT);
    }

    /**
     * The case: the sidecar's cluster to the gateway at 3 s bounds only its in-cluster connect; the external
     * connect is the gateway's, cut at its 10 s. On Istio's default tie the gateway is named too.
     */
    @Test
    void shouldJudgeTheExternalConnectAgainstTheHopThatDialsTheHost() {
        Topology viaGateway = Topology.of(HopRef.of(HopKind.SIDECAR, "probe-system"), HopRef.of(HopKind.EGRESS_GATEWAY, "istio-system"));
        Route shorterLeg = Routes.resolve(HOST, viaGateway, List.of(
                new Fixed(HopKind.SIDECAR, Duration.ofSeconds(3), TimeoutSource.ENVOY_ADMIN, Optional.empty())));
        Route tie = Routes.resolve(HOST, viaGateway, List.of());

        assertThat(shorterLeg.limit().kind()).isEqualTo(HopKind.EGRESS_GATEWAY);
        assertThat(shorterLeg.timeout()).isEqualTo(EffectiveTimeout.ISTIO_DEFAULT);
        assertThat(shorterLeg.legs()).extracting(Hop::kind).containsExactly(HopKind.SIDECAR);
        assertThat(tie.limit().kind()).isEqualTo(HopKind.EGRESS_GATEWAY);
        assertThat(tie.hops().stream().map(Hop::describe)).hasSize(2).allMatch(n -> n.contains("10000 ms connect timeout (istio_default)"));
    }

    /** A retrying HTTP route: the probe waits for Envoy's answer after every try, and no less than it was told to. */
    @Test
    void shouldWaitForEveryTryOfARetriedConnect() {
        Route once = Routes.resolve(HOST, SIDECAR_ONLY, List.of());
        Route retried = new Route(List.of(new Hop(HopRef.of(HopKind.SIDECAR, "probe-system"), EffectiveTimeout.ISTIO_DEFAULT,
                Optional.empty(), true, Optional.empty(), true, new HttpRetry(3, Duration.ofMillis(75), true), List.of(), Optional.empty())), Optional.empty(), List.of());

        assertThat(once.probeDeadline(Duration.ofSeconds(15))).isEqualTo(Duration.ofSeconds(15));
        assertThat(retried.probeDeadline(Duration.ofSeconds(15))).isEqualTo(Duration.ofMillis(36_000 + 75 + 250));
        assertThat(retried.probeDeadline(Duration.ofMinutes(1))).isEqualTo(Duration.ofMinutes(1));
    }
}
