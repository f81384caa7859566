package io.egressprobe.testing;

import static org.awaitility.Awaitility.await;

import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.kube.NamespaceLabels;
import io.egressprobe.kube.NodeTopology;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.kube.ServiceEntries;
import io.egressprobe.kube.ServiceEntryWatcher;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Everything the daemon asks the Kubernetes API, each public entry of {@code io.egressprobe.kube} that takes a client
 * run as the daemon runs it (the DestinationRule and mesh-config reader twice, the ServiceEntry discovery, the node's
 * zone, an Event created and then counted again), against a server the test seeded with what a mesh has. The
 * requests it leaves on an {@link RbacApiServer} are what the shipped RBAC must grant, exactly.
 */
public final class KubernetesCalls {
    public static final PodEventRecorder.PodRef POD = new PodEventRecorder.PodRef("egress-probe", "egress-probe-x7k2p");
    public static final String NODE = "node-1";
    /** The classes {@link #run} drives; a test holds this to every public kube class that takes a client. */
    public static final Set<Class<?>> EXERCISED = Set.of(IstioTimeoutReader.class, ServiceEntryWatcher.class,
            NodeTopology.class, PodEventRecorder.class, NamespaceLabels.class);

    private KubernetesCalls() {}

    /**
     * What a mesh has: the probe's Pod and Node, Istio's mesh config, a DestinationRule and a ServiceEntry, whose
     * namespace binds it to a waypoint.
     */
    public static void seed(KubernetesClient admin) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("payments")
                .withLabels(Map.of("istio.io/use-waypoint", "waypoint")).endMetadata().build()).createOr(x -> x.update());
        admin.pods().inNamespace(POD.namespace()).resource(new PodBuilder().withNewMetadata().withName(POD.name())
                .withNamespace(POD.namespace()).endMetadata().build()).createOr(x -> x.update());
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE)
                .withLabels(Map.of("topology.kubernetes.io/zone", "zone-a", "topology.kubernetes.io/region", "region-1"))
                .endMetadata().build()).createOr(x -> x.update());
        admin.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata().withName("istio")
                .withNamespace("istio-system").endMetadata().withData(Map.of("mesh", "connectTimeout: 5s\n")).build())
                .createOr(x -> x.update());
        istio(admin, "DestinationRule", "destinationrules", "payments", "payments", Map.of(), Map.of("host",
                "payments.partner.example", "trafficPolicy", Map.of("connectionPool", Map.of("tcp", Map.of("connectTimeout", "2s")))));
        istio(admin, "ServiceEntry", "serviceentries", "payments", "payments", Map.of("egress-probe.io/probe", "true"),
                Map.of("hosts", List.of("payments.partner.example"), "location", "MESH_EXTERNAL", "resolution", "DNS",
                        "ports", List.of(Map.of("number", 443, "name", "tls", "protocol", "TLS"))));
    }

    /** Every call, as the ServiceAccount; returns once each has been made. */
    public static void run(KubernetesClient serviceAccount) {
        try (IstioTimeoutReader reader = new IstioTimeoutReader(serviceAccount, Optional.of(POD))) {
            reader.read();
            reader.read();
        }
        AtomicReference<List<ServiceEntries.Endpoint>> endpoints = new AtomicReference<>(List.of());
        ServiceEntryWatcher watcher = new ServiceEntryWatcher(serviceAccount, "egress-probe.io/probe=true");
        try {
            watcher.start(endpoints::set);
            await().atMost(Duration.ofSeconds(20)).until(() -> !endpoints.get().isEmpty() && watcher.isWatching());
        } catch (RuntimeException e) {
            // refused: the recorded requests say so
        } finally {
            watcher.close();
        }
        try {
            // On the ambient path: the ServiceEntry's namespace, for its istio.io/use-waypoint (one GET, never a LIST).
            new NamespaceLabels(serviceAccount).read(List.of("payments"));
        } catch (RuntimeException e) {
            // refused: the recorded request says so
        }
        try {
            NodeTopology.read(serviceAccount, NODE);
        } catch (IllegalStateException e) {
            // refused: the recorded request says so
        }
        PodEventRecorder events = new PodEventRecorder(serviceAccount, POD, NODE, Clock.systemUTC());
        var spec = new PodEventRecorder.EventSpec("Warning", "EgressConnectLatencyNearTimeout", "p99 near the timeout",
                "EgressConnectLatencyNearTimeout/payments");
        try {
            events.record(spec); // created
            events.record(spec); // counted on the same Event
        } catch (RuntimeException e) {
            // refused: the recorded request says so
        }
    }

    private static void istio(KubernetesClient admin, String kind, String plural, String namespace, String name,
                              Map<String, String> labels, Map<String, Object> spec) {
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
                .withVersion("v1").withKind(kind).withPlural(plural).withNamespaced(true).build();
        admin.genericKubernetesResources(context).inNamespace(namespace).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind(kind).withNewMetadata().withName(name)
                .withNamespace(namespace).withLabels(labels).endMetadata().addToAdditionalProperties("spec", spec).build())
                .createOr(x -> x.update());
    }
}
