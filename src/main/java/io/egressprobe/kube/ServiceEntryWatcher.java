package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Follows the ServiceEntries that carry the discovery label selector, in every namespace the probe may
 * list, through an informer: every change hands the full, sorted list of endpoints to the listener, on
 * fabric8's thread. Blocking to start (it lists first): call from a worker thread.
 */
public final class ServiceEntryWatcher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final KubernetesClient client;
    private final String labelSelector;
    private SharedIndexInformer<GenericKubernetesResource> informer;

    public ServiceEntryWatcher(KubernetesClient client, String labelSelector) {
        this.client = client;
        this.labelSelector = labelSelector;
    }

    /** @throws KubernetesClientException when ServiceEntries cannot be listed (RBAC, no CRD) */
    public void start(Consumer<List<ServiceEntries.Endpoint>> listener) {
        ResourceDefinitionContext context = servedVersion();
        // Assigned before it runs: its first adds reach the handler inside run(), which reads the store through it.
        informer = client.genericKubernetesResources(context).inAnyNamespace().withLabelSelector(labelSelector)
                .runnableInformer(0);
        informer.addEventHandler(new ResourceEventHandler<>() {
            @Override
            public void onAdd(GenericKubernetesResource r) {
                listener.accept(endpoints());
            }

            @Override
            public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource after) {
                listener.accept(endpoints());
            }

            @Override
            public void onDelete(GenericKubernetesResource r, boolean unknownFinalState) {
                listener.accept(endpoints());
            }
        });
        try {
            informer.run();
        } catch (RuntimeException e) {
            informer.close();
            throw e;
        }
        listener.accept(endpoints());
    }

    private List<ServiceEntries.Endpoint> endpoints() {
        return informer.getStore().list().stream()
                .sorted(Comparator.comparing((GenericKubernetesResource r) -> r.getMetadata().getNamespace())
                        .thenComparing(r -> r.getMetadata().getName()))
                .flatMap(r -> {
                    Object spec = r.getAdditionalProperties().get("spec");
                    JsonNode node = JSON.valueToTree(spec == null ? Map.of() : spec);
                    Map<String, String> labels = r.getMetadata().getLabels() == null ? Map.of() : r.getMetadata().getLabels();
                    return ServiceEntries.endpoints(r.getMetadata().getNamespace(), r.getMetadata().getName(), labels, node)
                            .stream();
                })
                .distinct()
                .toList();
    }

    private ResourceDefinitionContext servedVersion() {
        return IstioNetworking.read(client, "ServiceEntry", "serviceentries",
                context -> IstioNetworking.list(client, context, labelSelector)).context();
    }

    /** Whether the informer's watch is up now: false while it has lost the API server and retries. */
    public boolean isWatching() {
        return informer != null && informer.isWatching();
    }

    @Override
    public void close() {
        if (informer != null) {
            informer.close();
        }
    }
}
