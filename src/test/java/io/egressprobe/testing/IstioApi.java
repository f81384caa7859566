package io.egressprobe.testing;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The fabric8 mock API server in CRUD mode with Istio's DestinationRules, VirtualServices and the mesh ConfigMap, and the shipped jar
 * run against it as the DaemonSet runs it (its pod's name and namespace in the environment), for the end-to-end tests
 * of what Istio's rules make of a route.
 */
public final class IstioApi implements AutoCloseable {
    static final String ISTIO = "networking.istio.io";
    private static final ResourceDefinitionContext DESTINATION_RULES = new ResourceDefinitionContext.Builder()
            .withGroup(ISTIO).withVersion("v1").withKind("DestinationRule").withPlural("destinationrules")
            .withNamespaced(true).build();
    private static final ResourceDefinitionContext VIRTUAL_SERVICES = new ResourceDefinitionContext.Builder()
            .withGroup(ISTIO).withVersion("v1").withKind("VirtualService").withPlural("virtualservices")
            .withNamespaced(true).build();

    private final KubernetesMockServer server;
    private final KubernetesClient client;

    private IstioApi(KubernetesMockServer server) {
        this.server = server;
        this.client = server.createClient();
    }

    /** @param meshConnectTimeout the mesh config's {@code connectTimeout}, as the ConfigMap writes it ({@code 10s}) */
    public static IstioApi start(String meshConnectTimeout) {
        KubernetesMockServer server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
                new KubernetesCrudDispatcher(List.of(new CustomResourceDefinitionContext.Builder().withGroup(ISTIO)
                        .withVersion("v1").withKind("DestinationRule").withPlural("destinationrules").withScope("Namespaced")
                        .build(), new CustomResourceDefinitionContext.Builder().withGroup(ISTIO).withVersion("v1")
                        .withKind("VirtualService").withPlural("virtualservices").withScope("Namespaced").build())), false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        IstioApi api = new IstioApi(server);
        api.client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata().withName("istio")
                .withNamespace("istio-system").endMetadata().withData(Map.of("mesh", "connectTimeout: " + meshConnectTimeout + "\n"))
                .build()).create();
        return api;
    }

    /** A DestinationRule that sets {@code connectTimeout} for {@code host}, exported to {@code exportTo}. */
    public void destinationRule(String namespace, String name, String host, List<String> exportTo, String connectTimeout) {
        client.genericKubernetesResources(DESTINATION_RULES).inNamespace(namespace).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(ISTIO + "/v1").withKind("DestinationRule").withNewMetadata().withName(name)
                .withNamespace(namespace).endMetadata().addToAdditionalProperties("spec", Map.of("host", host,
                        "exportTo", exportTo, "trafficPolicy", Map.of("connectionPool", Map.of("tcp",
                                Map.of("connectTimeout", connectTimeout))))).build()).create();
    }

    /** A DestinationRule with {@code spec} as written (subsets, port-level settings). */
    public void destinationRule(String namespace, String name, Map<String, Object> spec) {
        create(DESTINATION_RULES, "DestinationRule", namespace, name, spec);
    }

    /** A VirtualService with {@code spec} as written. */
    public void virtualService(String namespace, String name, Map<String, Object> spec) {
        create(VIRTUAL_SERVICES, "VirtualService", namespace, name, spec);
    }

    private void create(ResourceDefinitionContext context, String kind, String namespace, String name, Map<String, Object> spec) {
        client.genericKubernetesResources(context).inNamespace(namespace).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion(ISTIO + "/v1").withKind(kind).withNewMetadata().withName(name).withNamespace(namespace)
                .endMetadata().addToAdditionalProperties("spec", spec).build()).create();
    }

    /** The shipped jar's {@code run}, its output to {@code log}, with this API server as its cluster's. */
    public Process daemon(Path config, Path log) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(Jar.withTestHosts(List.of("-Dkubernetes.master=http://127.0.0.1:" + server.getPort(),
                "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false"),
                "run", "--config", config.toString())).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("POD_NAME", "egress-probe-x", "POD_NAMESPACE", "egress-probe"));
        return builder.start();
    }

    @Override
    public void close() {
        client.close();
        server.destroy();
    }
}
