package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the Istio resources that set connect timeouts: every DestinationRule the probe may list, and
 * the mesh ConfigMap of its control plane ({@code istio}, or {@code istio-<revision>} when its own Pod
 * says it belongs to a revision). Each part fails on its own, with a status saying why (RBAC,
 * a missing CRD, an unreachable API server). Blocking: call from a worker thread.
 */
public final class IstioTimeoutReader {
    static final String ISTIO_NAMESPACE = "istio-system";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final Optional<PodEventRecorder.PodRef> ownPod;

    /** What the cluster says, and how each read went ({@code "ok"} or why not). */
    public record Snapshot(List<DestinationRules.Rule> destinationRules, String destinationRulesStatus,
                           Optional<Duration> meshConnectTimeout, String meshConfigStatus) {
        public boolean destinationRulesRead() {
            return destinationRulesStatus.equals(OK);
        }

        /** A mesh config that does not exist was read fine: the source just has nothing to say. */
        public boolean meshConfigRead() {
            return !meshConfigStatus.startsWith(UNAVAILABLE) && !meshConfigStatus.startsWith(UNREADABLE);
        }
    }

    private static final String OK = "ok";
    private static final String UNAVAILABLE = "unavailable: ";
    private static final String UNREADABLE = "unreadable ";

    public IstioTimeoutReader(KubernetesClient client, Optional<PodEventRecorder.PodRef> ownPod) {
        this.client = client;
        this.ownPod = ownPod;
    }

    public Snapshot read() {
        List<DestinationRules.Rule> rules = List.of();
        String rulesStatus;
        try {
            rules = destinationRules();
            rulesStatus = OK;
        } catch (KubernetesClientException e) {
            rulesStatus = UNAVAILABLE + describe(e);
        }
        Optional<Duration> mesh = Optional.empty();
        String meshStatus;
        String name = MeshConfig.configMapName(revision());
        try {
            ConfigMap cm = client.configMaps().inNamespace(ISTIO_NAMESPACE).withName(name).get();
            if (cm == null || cm.getData() == null || !cm.getData().containsKey("mesh")) {
                meshStatus = "no ConfigMap " + ISTIO_NAMESPACE + "/" + name + " with a mesh key";
            } else {
                mesh = MeshConfig.connectTimeout(cm.getData().get("mesh"));
                meshStatus = OK + " (" + ISTIO_NAMESPACE + "/" + name + ")";
            }
        } catch (KubernetesClientException e) {
            meshStatus = UNAVAILABLE + describe(e);
        } catch (IllegalArgumentException e) {
            meshStatus = UNREADABLE + ISTIO_NAMESPACE + "/" + name + ": " + e.getMessage();
        }
        return new Snapshot(rules, rulesStatus, mesh, meshStatus);
    }

    private List<DestinationRules.Rule> destinationRules() {
        return IstioNetworking.read(client, "DestinationRule", "destinationrules",
                context -> IstioNetworking.list(client, context, "").stream().map(IstioTimeoutReader::rule).toList()).value();
    }

    private static DestinationRules.Rule rule(GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        JsonNode node = JSON.valueToTree(spec == null ? Map.of() : spec);
        return new DestinationRules.Rule(r.getMetadata().getNamespace(), r.getMetadata().getName(), node);
    }

    /** The control-plane revision the probe's own Pod belongs to, from its {@code istio.io/rev} label. */
    private Optional<String> revision() {
        if (ownPod.isEmpty()) {
            return Optional.empty();
        }
        try {
            return CoreMetadata.pod(client, ownPod.get().namespace(), ownPod.get().name())
                    .map(m -> m.getLabels() == null ? null : m.getLabels().get("istio.io/rev"));
        } catch (KubernetesClientException e) {
            return Optional.empty();
        }
    }

    private static String describe(KubernetesClientException e) {
        return e.getCode() == 403 ? "forbidden (RBAC)" : e.getCode() == 404 ? "not found (CRD not installed?)"
                : e.getCode() > 0 ? "HTTP " + e.getCode() : String.valueOf(e.getMessage());
    }
}
