package io.egressprobe.kube;

import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Map;

/**
 * Where a node runs, from its well-known labels: egress often fails by zone (a NAT gateway, an egress path in one
 * zone), and neither the Pod nor the PodMonitor sees the node's labels. Blocking; call it on a worker.
 */
public record NodeTopology(String zone, String region) {
    public static final NodeTopology UNKNOWN = new NodeTopology("", "");
    static final String ZONE = "topology.kubernetes.io/zone";
    static final String REGION = "topology.kubernetes.io/region";
    /** Before Kubernetes 1.17 the same labels had these names; some clusters still set only them. */
    static final String OLD_ZONE = "failure-domain.beta.kubernetes.io/zone";
    static final String OLD_REGION = "failure-domain.beta.kubernetes.io/region";

    public static NodeTopology of(Map<String, String> labels) {
        Map<String, String> l = labels == null ? Map.of() : labels;
        return new NodeTopology(l.getOrDefault(ZONE, l.getOrDefault(OLD_ZONE, "")),
                l.getOrDefault(REGION, l.getOrDefault(OLD_REGION, "")));
    }

    /** Reads node {@code name} (RBAC: {@code get} on nodes); throws with the reason where it cannot. */
    public static NodeTopology read(KubernetesClient client, String name) {
        ObjectMeta node;
        try {
            node = CoreMetadata.node(client, name)
                    .orElseThrow(() -> new IllegalStateException("node " + name + " not found"));
        } catch (KubernetesClientException e) {
            throw new IllegalStateException(e.getCode() == 403 ? "forbidden (RBAC: get on nodes)" : e.getMessage(), e);
        }
        return of(node.getLabels());
    }
}
