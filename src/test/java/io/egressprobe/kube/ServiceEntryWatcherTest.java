package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** ServiceEntries followed live through an informer against the fabric8 mock server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class ServiceEntryWatcherTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    static final ResourceDefinitionContext SE = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("ServiceEntry").withPlural("serviceentries").withNamespaced(true).build();

    @Test
    void shouldTurnLabelledServiceEntriesIntoEndpointsAndFollowDeletes() throws Exception {
        server.expectCustomResource(new CustomResourceDefinitionContext.Builder().withGroup("networking.istio.io")
                .withVersion("v1").withKind("ServiceEntry").withPlural("serviceentries").withScope("Namespaced").build());
        List<GenericKubernetesResource> entries = client.getKubernetesSerialization().unmarshal(
                Files.readString(Path.of("src/test/resources/istio/serviceentry-probe-targets.yaml")));
        for (GenericKubernetesResource r : entries) {
            if (!r.getMetadata().getName().equals("legacy-rr")) {
                boolean api = String.valueOf(r.getAdditionalProperties().get("spec")).contains("api.example.com");
                r.getMetadata().setLabels(api ? java.util.Map.of("egress-probe.io/probe", "true", "istio.io/use-waypoint",
                        "egress-waypoint", "istio.io/use-waypoint-namespace", "egress") : java.util.Map.of("egress-probe.io/probe", "true"));
            }
            client.genericKubernetesResources(SE).inNamespace(r.getMetadata().getNamespace()).resource(r).create();
        }
        AtomicReference<List<ServiceEntries.Endpoint>> latest = new AtomicReference<>(List.of());

        ServiceEntryWatcher watcher = new ServiceEntryWatcher(client, "egress-probe.io/probe=true");
        try {
            watcher.start(latest::set);

            await().atMost(Duration.ofSeconds(20)).until(() -> latest.get().size() == 4);
            assertThat(watcher.isWatching()).as("exported as egress_probe_dependency_up").isTrue();
            assertThat(latest.get()).extracting(ServiceEntries.Endpoint::name).as("legacy-rr has no label")
                    .containsExactlyInAnyOrder("api-example-com-443", "payments-partner-example-443",
                            "payments-partner-example-8443", "reports-partner-example-443");
            assertThat(latest.get()).as("the ServiceEntry's istio.io/use-waypoint labels bind its host")
                    .filteredOn(e -> e.host().equals("api.example.com")).extracting(e -> e.waypoint(java.util.Optional.empty()))
                    .containsExactly(java.util.Optional.of(new UseWaypoint.Waypoint("egress", "egress-waypoint")));
            assertThat(latest.get()).filteredOn(e -> !e.host().equals("api.example.com"))
                    .allMatch(e -> e.waypoint(java.util.Optional.empty()).isEmpty());

            client.genericKubernetesResources(SE).inNamespace("probe-system").withName("partner-payments").delete();

            await().atMost(Duration.ofSeconds(20)).until(() -> latest.get().size() == 2);
            assertThat(latest.get()).extracting(ServiceEntries.Endpoint::name)
                    .containsExactlyInAnyOrder("api-example-com-443", "reports-partner-example-443");
        } finally {
            watcher.close();
        }
        assertThat(watcher.isWatching()).as("a closed informer does not watch").isFalse();
    }
}
