package io.egressprobe.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.Optional;

/**
 * The metadata of the probe's own Pod and of its Node, read as generic resources: the daemon needs only their labels
 * and uid, and the typed models would load a Pod's or a Node's whole spec and status, about 400 classes (metaspace on
 * every node; bench/RESULTS.md). Blocking; call it on a worker.
 */
final class CoreMetadata {
    private static final ResourceDefinitionContext PODS = core("Pod", "pods", true);
    private static final ResourceDefinitionContext NODES = core("Node", "nodes", false);

    private CoreMetadata() {}

    /** The Pod's metadata, or empty when it does not exist. */
    static Optional<ObjectMeta> pod(KubernetesClient client, String namespace, String name) {
        return metadata(client.genericKubernetesResources(PODS).inNamespace(namespace).withName(name).get());
    }

    /** The Node's metadata, or empty when it does not exist. */
    static Optional<ObjectMeta> node(KubernetesClient client, String name) {
        return metadata(client.genericKubernetesResources(NODES).withName(name).get());
    }

    private static Optional<ObjectMeta> metadata(GenericKubernetesResource resource) {
        return resource == null ? Optional.empty() : Optional.ofNullable(resource.getMetadata());
    }

    private static ResourceDefinitionContext core(String kind, String plural, boolean namespaced) {
        return new ResourceDefinitionContext.Builder().withGroup("").withVersion("v1").withKind(kind)
                .withPlural(plural).withNamespaced(namespaced).build();
    }
}
