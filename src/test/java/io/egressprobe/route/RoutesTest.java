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

    @Test
    void shouldNameTheNearerHopTheLimitOnATie() {
        Topology two = Topology.of(HopRef.of(HopKind.SIDECAR, "a"), HopRef.of(HopKind.EGRESS_GATEWAY, "b"));
        Route route = Routes.resolve(HOST, two, List.of());

        assertThat(route.limit().kind()).isEqualTo(HopKind.SIDECAR);
        assertThat(route.hopNames()).hasSize(2).allMatch(n -> n.contains("10000 ms connect timeout (istio_default)"));
    }
}
