package io.egressprobe.kube;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Which waypoint carries a service's traffic in an ambient mesh, as istiod decides it: istio/istio
 * {@code pilot/pkg/serviceregistry/kube/controller/ambient/waypoints.go} (moved to
 * {@code pilot/pkg/serviceregistry/ambient/waypoints.go} on master, 86c9f01), {@code fetchWaypointForService} and
 * {@code fetchWaypointForTarget} with {@code GetUseWaypoint}. The service's own label {@code istio.io/use-waypoint}
 * first ({@code none} opts out, whatever its namespace says: {@code isNone} returns before the namespace is fetched);
 * only where the object has no such label, its namespace's ("try fetching the namespace-defined waypoint"); the
 * waypoint's namespace is {@code istio.io/use-waypoint-namespace} on the object that named it, else the service's own
 * namespace ({@code fallbackNamespace := o.Namespace}, for the namespace's label too). A waypoint's own Service
 * ({@code gateway.istio.io/managed: istio.io-mesh-controller}) and an east/west gateway's
 * ({@code istio.io-eastwest-controller}) have none. Whether the named waypoint exists, is ready and admits the
 * namespace is the control plane's to know: a binding here is what the labels ask for. Pure.
 */
public final class UseWaypoint {
    static final String USE_WAYPOINT = "istio.io/use-waypoint";
    static final String USE_WAYPOINT_NAMESPACE = "istio.io/use-waypoint-namespace";
    static final String GATEWAY_MANAGED = "gateway.istio.io/managed";
    static final String MESH_CONTROLLER = "istio.io-mesh-controller";
    static final String EAST_WEST_CONTROLLER = "istio.io-eastwest-controller";
    /** The labels of a service this rule reads; the others never change its binding. */
    static final Set<String> READ = Set.of(USE_WAYPOINT, USE_WAYPOINT_NAMESPACE, GATEWAY_MANAGED);

    /** A waypoint, {@code namespace/name} of its Gateway. */
    public record Waypoint(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    private UseWaypoint() {}

    /**
     * @param serviceLabels   the ServiceEntry's (or Service's) labels
     * @param namespaceLabels its namespace's labels, where they were read
     */
    public static Optional<Waypoint> forService(Map<String, String> serviceLabels, String serviceNamespace,
                                                Optional<Map<String, String>> namespaceLabels) {
        if (isGateway(serviceLabels)) {
            return Optional.empty();
        }
        String own = serviceLabels.get(USE_WAYPOINT);
        if (own != null) {
            return named(own, serviceLabels, serviceNamespace);
        }
        return namespaceLabels.flatMap(labels -> Optional.ofNullable(labels.get(USE_WAYPOINT))
                .flatMap(name -> named(name, labels, serviceNamespace)));
    }

    /**
     * Whether the service's namespace decides its waypoint: the service has no {@code istio.io/use-waypoint} of its own
     * and is no gateway. Only then is its namespace's label read (and worth a request).
     */
    public static boolean namespaceDecides(Map<String, String> serviceLabels) {
        return !isGateway(serviceLabels) && !serviceLabels.containsKey(USE_WAYPOINT);
    }

    /** The labels of {@code labels} this rule reads. */
    public static Map<String, String> read(Map<String, String> labels) {
        Map<String, String> out = new TreeMap<>();
        labels.forEach((k, v) -> {
            if (READ.contains(k)) {
                out.put(k, v);
            }
        });
        return Map.copyOf(out);
    }

    private static boolean isGateway(Map<String, String> serviceLabels) {
        String managed = serviceLabels.get(GATEWAY_MANAGED);
        return MESH_CONTROLLER.equals(managed) || EAST_WEST_CONTROLLER.equals(managed);
    }

    private static Optional<Waypoint> named(String name, Map<String, String> labels, String fallbackNamespace) {
        if (name.equals("none")) {
            return Optional.empty();
        }
        return Optional.of(new Waypoint(labels.getOrDefault(USE_WAYPOINT_NAMESPACE, fallbackNamespace), name));
    }
}
