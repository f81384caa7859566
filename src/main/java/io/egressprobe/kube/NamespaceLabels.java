package io.egressprobe.kube;

import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The labels of named namespaces, each by one GET ({@code get namespaces/<name>}): a ServiceEntry without
 * {@code istio.io/use-waypoint} of its own takes its namespace's ({@link UseWaypoint}). Never a LIST of every
 * namespace: only those the caller names, at most {@link #MAX_NAMESPACES} a read. Blocking: call from a worker thread.
 */
public final class NamespaceLabels {
    /** More namespaces than this in one read are not read (said by {@link Read#skipped}): the reads stay bounded. */
    public static final int MAX_NAMESPACES = 200;

    private final KubernetesClient client;

    /**
     * One read's outcome.
     *
     * @param labels    each namespace read, its labels (none for a namespace that is not there, as istiod finds none)
     * @param failure   why the read stopped early, where it did (RBAC's refusal named as such)
     * @param skipped   namespaces past {@link #MAX_NAMESPACES}, not read
     */
    public record Read(Map<String, Map<String, String>> labels, Optional<String> failure, int skipped) {
        public Read {
            labels = Map.copyOf(labels);
        }
    }

    public NamespaceLabels(KubernetesClient client) {
        this.client = client;
    }

    /** Reads {@code namespaces} in order of name; stops at the first refusal or failure (the next read tries again). */
    public Read read(Collection<String> namespaces) {
        Map<String, Map<String, String>> labels = new TreeMap<>();
        TreeSet<String> sorted = new TreeSet<>(namespaces);
        int skipped = Math.max(0, sorted.size() - MAX_NAMESPACES);
        for (String name : sorted) {
            if (labels.size() == MAX_NAMESPACES) {
                break;
            }
            try {
                Namespace ns = client.namespaces().withName(name).get();
                Map<String, String> l = ns == null || ns.getMetadata().getLabels() == null ? Map.of() : ns.getMetadata().getLabels();
                labels.put(name, UseWaypoint.read(l));
            } catch (KubernetesClientException e) {
                String why = e.getCode() == 403 ? "forbidden (RBAC: grant get on namespaces)" : String.valueOf(e.getMessage());
                return new Read(labels, Optional.of(why), skipped);
            }
        }
        return new Read(labels, Optional.empty(), skipped);
    }
}
