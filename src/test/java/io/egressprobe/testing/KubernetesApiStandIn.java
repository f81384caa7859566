package io.egressprobe.testing;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/**
 * The fabric8 mock API server in CRUD mode as a process of its own, for benchmarks that run the shipped jar with its
 * Kubernetes features on ({@code bench/footprint.sh}): the probe's Pod and Node, Istio's mesh ConfigMap, and for each
 * bench host {@code tN.bench.test} a DestinationRule (connect timeout 1s) and a ServiceEntry (without the discovery
 * label, so the informer follows an empty selection as in most clusters). Serves until killed.
 *
 * <p>{@code java -cp … io.egressprobe.testing.KubernetesApiStandIn PORT HOSTS NAMESPACE POD NODE}
 */
public final class KubernetesApiStandIn {
    static final String ISTIO = "networking.istio.io";

    private KubernetesApiStandIn() {}

    public static void main(String[] args) throws InterruptedException {
        if (args.length != 5) {
            System.err.println("usage: KubernetesApiStandIn PORT HOSTS NAMESPACE POD NODE");
            System.exit(2);
        }
        int port = Integer.parseInt(args[0]);
        int hosts = Integer.parseInt(args[1]);
        String namespace = args[2];
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of(crd("DestinationRule", "destinationrules"),
                        crd("ServiceEntry", "serviceentries"))), false);
        server.init(InetAddress.getLoopbackAddress(), port);
        KubernetesClient client = server.createClient();
        client.pods().inNamespace(namespace).resource(new PodBuilder().withNewMetadata().withName(args[3])
                .withNamespace(namespace).endMetadata().build()).create();
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName(args[4])
                .withLabels(Map.of("topology.kubernetes.io/zone", "bench-1a", "topology.kubernetes.io/region", "bench-1"))
                .endMetadata().build()).create();
        client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata().withName("istio")
                .withNamespace("istio-system").endMetadata().withData(Map.of("mesh", "connectTimeout: 5s\n")).build()).create();
        for (int i = 1; i <= hosts; i++) {
            String host = "t" + i + ".bench.test";
            create(client, "DestinationRule", "destinationrules", namespace, "t" + i, Map.of("host", host,
                    "trafficPolicy", Map.of("connectionPool", Map.of("tcp", Map.of("connectTimeout", "1s")))));
            create(client, "ServiceEntry", "serviceentries", namespace, "t" + i, Map.of("hosts", List.of(host),
                    "location", "MESH_EXTERNAL", "resolution", "DNS",
                    "ports", List.of(Map.of("number", 443, "name", "tls", "protocol", "TLS"))));
        }
        System.out.println("listening on " + server.getHostName() + ":" + server.getPort());
        new CountDownLatch(1).await();
    }

    private static CustomResourceDefinitionContext crd(String kind, String plural) {
        return new CustomResourceDefinitionContext.Builder().withGroup(ISTIO).withVersion("v1").withKind(kind)
                .withPlural(plural).withScope("Namespaced").build();
    }

    private static void create(KubernetesClient client, String kind, String plural, String namespace, String name,
                               Map<String, Object> spec) {
        ResourceDefinitionContext context = new ResourceDefinitionContext.Builder().withGroup(ISTIO).withVersion("v1")
                .withKind(kind).withPlural(plural).withNamespaced(true).build();
        GenericKubernetesResource resource = new GenericKubernetesResourceBuilder().withApiVersion(ISTIO + "/v1")
                .withKind(kind).withNewMetadata().withName(name).withNamespace(namespace).endMetadata()
                .addToAdditionalProperties("spec", spec).build();
        client.genericKubernetesResources(context).inNamespace(namespace).resource(resource).create();
    }
}
