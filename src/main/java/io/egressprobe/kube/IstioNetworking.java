package io.egressprobe.kube;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.util.List;
import java.util.function.Function;

/**
 * Istio's {@code networking.istio.io} resources, in the newest version the API server serves: {@code v1} since Istio
 * 1.22, {@code v1beta1} before it. A version that is not served answers 404; the next is tried.
 */
final class IstioNetworking {
    private static final List<String> VERSIONS = List.of("v1", "v1beta1");
    /** VirtualServices, also in {@code v1alpha3}: the only version before Istio 1.5's {@code v1beta1}. */
    static final List<String> VIRTUAL_SERVICE_VERSIONS = List.of("v1", "v1beta1", "v1alpha3");

    private IstioNetworking() {}

    /**
     * The first served version's context, with what {@code read} made of it.
     *
     * @throws KubernetesClientException the last 404 when no version is served (no CRD), or any other failure at once
     */
    static <T> Served<T> read(KubernetesClient client, String kind, String plural,
                              Function<ResourceDefinitionContext, T> read) {
        return read(client, kind, plural, VERSIONS, read);
    }

    /** The same, over {@code versions} in order. */
    static <T> Served<T> read(KubernetesClient client, String kind, String plural, List<String> versions,
                              Function<ResourceDefinitionContext, T> read) {
        KubernetesClientException last = null;
        for (String version : versions) {
            ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
                    .withVersion(version).withKind(kind).withPlural(plural).withNamespaced(true).build();
            try {
                return new Served<>(context, read.apply(context));
            } catch (KubernetesClientException e) {
                if (e.getCode() != 404) {
                    throw e;
                }
                last = e;
            }
        }
        throw last;
    }

    record Served<T>(ResourceDefinitionContext context, T value) {}

    /** Every resource of the kind, in every namespace the probe may read, with the selector ("" for all). */
    static List<GenericKubernetesResource> list(KubernetesClient client, ResourceDefinitionContext context, String labelSelector) {
        var resources = client.genericKubernetesResources(context).inAnyNamespace();
        return (labelSelector.isEmpty() ? resources.list() : resources.withLabelSelector(labelSelector).list()).getItems();
    }
}
