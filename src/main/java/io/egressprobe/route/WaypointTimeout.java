package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.Optional;

/**
 * The connect timeout an ambient waypoint (an Envoy that istiod configures) applies to its own upstream connect, by
 * Istio version, as istio/istio {@code pilot/pkg/networking/core/cluster_waypoint.go} builds its clusters. Pure.
 *
 * <ul>
 *   <li>To an endpoint reached by HBONE (an in-mesh workload), through cluster {@code connect_originate}
 *       ({@code ClusterBuilder.buildConnectOriginate}): a fixed {@code durationpb.New(2 * time.Second)} up to and
 *       including 1.23.0; from 1.23.1 the mesh's {@code connectTimeout} (commit c01fb31, istio/istio#52917). No
 *       DestinationRule applies to it.</li>
 *   <li>To an endpoint the waypoint dials itself (an egress host of a ServiceEntry: its endpoints are plain addresses,
 *       never tunnelled, {@code pilot/pkg/xds/endpoints/endpoint_builder.go} {@code supportTunnel}), on its
 *       {@code inbound-vip|<port>|tcp|<host>} cluster ({@code buildWaypointInboundVIPCluster}): from 1.23.0 (istio/istio
 *       #51085) {@code applyConnectionPool} gives it the mesh's {@code connectTimeout}
 *       ({@code applyDefaultConnectionPool}), replaced by the DestinationRule's {@code connectionPool.tcp.connectTimeout}
 *       for the port ({@code GetPortLevelTrafficPolicy}) as istiod looks the rule up for a proxy in the waypoint's
 *       namespace; before 1.23.0 the cluster is built with no policy at all and no {@code connect_timeout}, so Envoy's
 *       default of 5 s applies. Istio 1.31's {@code meshConfig.defaultTrafficPolicy} is not applied to it
 *       ({@code buildWaypointInboundVIPCluster} does not call {@code applyDefaultTrafficPolicy}).</li>
 * </ul>
 * Where the version is not known, the rule of the newest releases is taken, and the caller says so.
 */
public final class WaypointTimeout {
    /** How the waypoint reaches the endpoint. */
    public enum Upstream {
        /** HBONE through {@code connect_originate}: an in-mesh workload. */
        HBONE,
        /** Its own TCP connect on the {@code inbound-vip} cluster: an egress host. */
        DIRECT
    }

    /** The fixed timeout of {@code connect_originate} up to 1.23.0. */
    static final Duration CONNECT_ORIGINATE_FIXED = Duration.ofSeconds(2);
    /** Envoy's {@code Cluster.connect_timeout} where a cluster sets none. */
    static final Duration ENVOY_DEFAULT = Duration.ofSeconds(5);
    static final IstioVersion MESH_TIMEOUT_ON_CONNECT_ORIGINATE = IstioVersion.of(1, 23, 1);
    static final IstioVersion RULES_ON_INBOUND_VIP = IstioVersion.of(1, 23, 0);

    private WaypointTimeout() {}

    /**
     * @param fromRule the DestinationRule's {@code connectionPool.tcp.connectTimeout} for the port, as it applies to a
     *                 proxy in the waypoint's namespace
     * @param mesh     the mesh config's {@code connectTimeout}, where it sets one (else Istio's 10 s)
     */
    public static EffectiveTimeout of(Optional<IstioVersion> version, Upstream upstream, Optional<Duration> fromRule,
                                      Optional<Duration> mesh) {
        return switch (upstream) {
            case HBONE -> version.filter(v -> !v.atLeast(MESH_TIMEOUT_ON_CONNECT_ORIGINATE)).isPresent()
                    ? new EffectiveTimeout(CONNECT_ORIGINATE_FIXED, TimeoutSource.ISTIO_DEFAULT, Optional.of("connect_originate"))
                    : meshOrDefault(mesh, Optional.of("connect_originate"));
            case DIRECT -> version.filter(v -> !v.atLeast(RULES_ON_INBOUND_VIP)).isPresent()
                    ? new EffectiveTimeout(ENVOY_DEFAULT, TimeoutSource.ENVOY_DEFAULT, Optional.empty())
                    : fromRule.map(t -> new EffectiveTimeout(t, TimeoutSource.DESTINATION_RULE, Optional.<String>empty()))
                            .orElseGet(() -> meshOrDefault(mesh, Optional.empty()));
        };
    }

    private static EffectiveTimeout meshOrDefault(Optional<Duration> mesh, Optional<String> cluster) {
        return mesh.map(t -> new EffectiveTimeout(t, TimeoutSource.MESH_CONFIG, cluster))
                .orElseGet(() -> new EffectiveTimeout(EffectiveTimeout.ISTIO_DEFAULT.value(), TimeoutSource.ISTIO_DEFAULT, cluster));
    }
}
