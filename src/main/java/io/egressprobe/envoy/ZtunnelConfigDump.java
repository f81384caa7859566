package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Destination;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.HopRef;
import io.egressprobe.route.HopTimeout;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Routes;
import io.egressprobe.route.Topology;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ztunnel's admin {@code /config_dump} (not Envoy's: a JSON object of {@code services[]}, {@code workloads[]},
 * {@code config}, {@code version}), as a route source. What it tells: which services ztunnel knows and which waypoint
 * each is bound to, so where ztunnel sends a connection (istio/ztunnel {@code src/proxy/outbound.rs},
 * {@code OutboundConnection::build_request}: a service with a waypoint goes by HBONE to the waypoint, "built request to
 * service waypoint proxy"; an address of no service or workload is passed through, "built request as passthrough; no
 * upstream found", and dialled by ztunnel itself), and the Istio release ({@code config.proxyMetadata.ISTIO_VERSION}).
 * What it cannot tell: a connect timeout. ztunnel has no setting for one: its {@code config} block lists every runtime
 * setting and none is a connect timeout, because every upstream connect (the passthrough's {@code proxy_to_tcp}, the
 * HBONE pool's to a waypoint or a node) goes through {@code freebind_connect} in {@code src/proxy.rs}, which wraps it in
 * {@code timeout(CONNECTION_TIMEOUT, …)}, a constant of 10 s ({@code const CONNECTION_TIMEOUT: Duration =
 * Duration::from_secs(10)}, the same on every release branch 1.18 → 1.31 and master). Services are matched by
 * host name and port here (ztunnel matches the address dialled, the service's VIP). Immutable.
 *
 * @param services     each service ztunnel knows: host name, ports, the waypoint it is bound to
 * @param istioVersion {@code ISTIO_VERSION} of the ztunnel's proxy metadata
 */
public record ZtunnelConfigDump(List<Service> services, Optional<IstioVersion> istioVersion) implements RouteSource {
    /** @param waypoint {@code namespace/hostname} of its waypoint's Service, where it has one */
    public record Service(String hostname, String namespace, List<Integer> ports, Optional<String> waypoint) {}

    public ZtunnelConfigDump {
        services = List.copyOf(services);
    }

    /** @throws IllegalArgumentException naming what is wrong: not JSON, or not ztunnel's dump (no {@code services[]}) */
    public static ZtunnelConfigDump parse(String body) {
        JsonNode root = Json.answer(body, "services", "ztunnel's config dump");
        List<Service> services = new ArrayList<>();
        for (JsonNode s : root.get("services")) {
            List<Integer> ports = new ArrayList<>();
            s.path("ports").fieldNames().forEachRemaining(p -> ports.add(Integer.parseInt(p)));
            String waypoint = s.path("waypoint").path("destination").asText("");
            services.add(new Service(s.path("hostname").asText(""), s.path("namespace").asText(""), ports,
                    waypoint.isEmpty() ? Optional.empty() : Optional.of(waypoint)));
        }
        return new ZtunnelConfigDump(services, IstioVersion.parse(root.path("config").path("proxyMetadata")
                .path("ISTIO_VERSION").asText("")));
    }

    /** The service ztunnel takes {@code d} for, where it knows one. */
    public Optional<Service> service(Destination d) {
        return services.stream().filter(s -> s.hostname().equals(d.host()) && s.ports().contains(d.port())).findFirst();
    }

    @Override
    public Optional<Topology> topology(Destination d) {
        Optional<Service> service = service(d);
        if (service.isEmpty()) {
            return Optional.of(new Topology(List.of(HopRef.of(HopKind.ZTUNNEL, "")), Optional.empty(), List.of(
                    "ztunnel knows no service " + d + ": it passes the connection through and dials the host itself")));
        }
        Optional<String> waypoint = service.get().waypoint();
        if (waypoint.isEmpty()) {
            return Optional.of(new Topology(List.of(HopRef.of(HopKind.ZTUNNEL, "")), Optional.empty(), List.of(
                    "ztunnel sends " + d + " to the service's workloads itself (no waypoint)")));
        }
        String namespace = waypoint.get().substring(0, Math.max(0, waypoint.get().indexOf('/')));
        return Optional.of(new Topology(List.of(HopRef.of(HopKind.ZTUNNEL, ""), HopRef.of(HopKind.WAYPOINT, namespace)),
                Optional.empty(), List.of("ztunnel sends " + d + " by HBONE to its service's waypoint " + waypoint.get())));
    }

    /** ztunnel's hop: its fixed {@code CONNECTION_TIMEOUT}; the dump says nothing of a waypoint's (an Envoy's). */
    @Override
    public Optional<HopTimeout> timeout(HopRef hop, Destination d) {
        return hop.kind() == HopKind.ZTUNNEL ? Optional.of(HopTimeout.of(new EffectiveTimeout(Routes.ZTUNNEL_CONNECT_TIMEOUT,
                TimeoutSource.ZTUNNEL_DEFAULT, Optional.empty()))) : Optional.empty();
    }
}
