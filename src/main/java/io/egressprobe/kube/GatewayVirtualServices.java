package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The VirtualService informer's store, pruned as it fills: of each VirtualService only what an egress gateway's routing
 * needs ({@link GatewayRoutes.Service}), and only for one bound to a Gateway whose hosts match a probed host; the
 * informer itself keeps a skeleton (name, namespace, resourceVersion) of those, and nothing of the others. The mesh's
 * sidecar VirtualServices and every other host's gateway routes cost nothing here (issue 30: memory independent of the
 * mesh's size). Written by the informer's thread, read by the reads.
 */
final class GatewayVirtualServices implements ItemStore<GenericKubernetesResource> {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Set<String> hosts;
    private final Map<String, GenericKubernetesResource> skeletons = new ConcurrentHashMap<>();
    private final Map<String, GatewayRoutes.Service> pruned = new ConcurrentHashMap<>();

    /** @param hosts the probed hosts, fixed for this store's life (a new set makes a new informer and store) */
    GatewayVirtualServices(Set<String> hosts) {
        this.hosts = Set.copyOf(hosts);
    }

    Set<String> hosts() {
        return hosts;
    }

    List<GatewayRoutes.Service> services() {
        return List.copyOf(pruned.values());
    }

    @Override
    public String getKey(GenericKubernetesResource r) {
        return Cache.metaNamespaceKeyFunc(r);
    }

    @Override
    public GenericKubernetesResource put(String key, GenericKubernetesResource r) {
        Object spec = r.getAdditionalProperties().get("spec");
        JsonNode node = JSON.valueToTree(spec == null ? Map.of() : spec);
        var service = GatewayRoutes.prune(r.getMetadata().getNamespace(), r.getMetadata().getName(),
                IstioTimeoutReader.created(r.getMetadata().getCreationTimestamp()), node)
                .filter(s -> GatewayRoutes.servesAny(s, hosts));
        if (service.isEmpty()) {
            return remove(key);
        }
        pruned.put(key, service.get());
        GenericKubernetesResource skeleton = new GenericKubernetesResource();
        skeleton.setApiVersion(r.getApiVersion());
        skeleton.setKind(r.getKind());
        skeleton.setMetadata(new ObjectMetaBuilder().withName(r.getMetadata().getName())
                .withNamespace(r.getMetadata().getNamespace()).withResourceVersion(r.getMetadata().getResourceVersion())
                .build());
        return skeletons.put(key, skeleton);
    }

    @Override
    public GenericKubernetesResource remove(String key) {
        pruned.remove(key);
        return skeletons.remove(key);
    }

    @Override
    public Stream<String> keySet() {
        return skeletons.keySet().stream();
    }

    @Override
    public Stream<GenericKubernetesResource> values() {
        return skeletons.values().stream();
    }

    @Override
    public int size() {
        return skeletons.size();
    }

    @Override
    public GenericKubernetesResource get(String key) {
        return skeletons.get(key);
    }
}
