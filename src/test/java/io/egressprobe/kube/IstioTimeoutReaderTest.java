package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Kubernetes half of the timeout chain against the fabric8 mock API server in CRUD mode. */
@EnableKubernetesMockClient(crud = true)
class IstioTimeoutReaderTest {
    KubernetesClient client;
    KubernetesMockServer server;
    static final ResourceDefinitionContext DR = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("DestinationRule").withPlural("destinationrules").withNamespaced(true).build();
    static final PodEventRecorder.PodRef POD = new PodEventRecorder.PodRef("probe-system", "egress-probe-x");

    @BeforeEach
    void setUp() throws IOException {
        server.expectCustomResource(new io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext.Builder()
                .withGroup("networking.istio.io").withVersion("v1").withKind("DestinationRule")
                .withPlural("destinationrules").withScope("Namespaced").build());
        for (String doc : Files.readString(Path.of("src/test/resources/istio/destinationrule-connect-timeout.yaml"))
                .split("(?m)^---$")) {
            GenericKubernetesResource r = Serialization.unmarshal(doc, GenericKubernetesResource.class);
            client.genericKubernetesResources(DR).inNamespace(r.getMetadata().getNamespace()).resource(r).createOr(x -> x.update());
        }
        client.pods().inNamespace(POD.namespace()).resource(new PodBuilder().withNewMetadata().withName(POD.name())
                .withNamespace(POD.namespace()).endMetadata().build()).createOr(x -> x.update());
    }

    void meshConfigMap(String name, String mesh) {
        client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata().withName(name)
                .withNamespace("istio-system").endMetadata().withData(Map.of("mesh", mesh)).build()).createOr(x -> x.update());
    }

    @Test
    void shouldReadDestinationRulesAndTheMeshTimeout() {
        meshConfigMap("istio", "connectTimeout: 5s\naccessLogFile: /dev/stdout\n");

        IstioTimeoutReader.Snapshot s = read(new IstioTimeoutReader(client, Optional.of(POD)));

        assertThat(s.destinationRulesStatus()).isEqualTo("ok");
        assertThat(DestinationRules.connectTimeout(s.destinationRules(), "payments.partner.example", 8443, POD.namespace()))
                .contains(Duration.ofMillis(250));
        assertThat(DestinationRules.connectTimeout(s.destinationRules(), "reports.partner.example", 443, POD.namespace())).isEmpty();
        assertThat(s.meshConnectTimeout()).contains(Duration.ofSeconds(5));
        assertThat(s.meshConfigStatus()).isEqualTo("ok (istio-system/istio)");
    }

    /** Istio 1.31's baseline and the release label of Istio's charts (1.24+), read with the one GET of the ConfigMap. */
    @Test
    void shouldReadTheMeshWideBaselineAndTheReleaseThatInstalledIt() {
        client.configMaps().inNamespace("istio-system").resource(new ConfigMapBuilder().withNewMetadata().withName("istio")
                .withNamespace("istio-system").withLabels(Map.of("app.kubernetes.io/version", "1.31.0")).endMetadata()
                .withData(Map.of("mesh", "connectTimeout: 5s\ndefaultTrafficPolicy:\n  connectionPool:\n    tcp:\n"
                        + "      connectTimeout: 3s\n")).build()).createOr(x -> x.update());

        IstioTimeoutReader.Snapshot s = read(new IstioTimeoutReader(client, Optional.of(POD)));

        assertThat(s.meshConnectTimeout()).contains(Duration.ofSeconds(5));
        assertThat(s.meshDefaultConnectTimeout()).contains(Duration.ofSeconds(3));
        assertThat(s.istioVersion()).contains(io.egressprobe.route.IstioVersion.of(1, 31, 0));
    }

    @Test
    void shouldFindNoMeshTimeoutWhereTheMeshConfigSetsNone() {
        meshConfigMap("istio", "accessLogFile: /dev/stdout\n");

        assertThat(read(new IstioTimeoutReader(client, Optional.of(POD))).meshConnectTimeout()).isEmpty();
    }

    @Test
    void shouldReadTheRevisionsMeshConfigMap() {
        meshConfigMap("istio", "connectTimeout: 5s\n");
        meshConfigMap("istio-canary", "connectTimeout: 2s\n");
        client.pods().inNamespace(POD.namespace()).withName(POD.name())
                .edit(p -> new PodBuilder(p).editMetadata().addToLabels("istio.io/rev", "canary").endMetadata().build());

        IstioTimeoutReader.Snapshot s = read(new IstioTimeoutReader(client, Optional.of(POD)));

        assertThat(s.meshConnectTimeout()).contains(Duration.ofSeconds(2));
        assertThat(s.meshConfigStatus()).isEqualTo("ok (istio-system/istio-canary)");
    }

    /**
     * A DestinationRule created after the first read is seen without another LIST: at 500 nodes and the default 60 s
     * refresh, a LIST of every rule by every pod was about 8 a second for the API server. The mesh config is one GET.
     */
    @Test
    void shouldFollowChangesThroughTheWatchWithoutListingAgain() throws Exception {
        meshConfigMap("istio", "connectTimeout: 5s\n");
        try (IstioTimeoutReader reader = new IstioTimeoutReader(client, Optional.of(POD))) {
            assertThat(DestinationRules.connectTimeout(reader.read().destinationRules(), "late.partner.example", 443,
                    POD.namespace())).isEmpty();
            drainRequests();

            GenericKubernetesResource late = Serialization.unmarshal("""
                    apiVersion: networking.istio.io/v1
                    kind: DestinationRule
                    metadata: { name: late, namespace: probe-system }
                    spec:
                      host: late.partner.example
                      trafficPolicy: { connectionPool: { tcp: { connectTimeout: 3s } } }
                    """, GenericKubernetesResource.class);
            client.genericKubernetesResources(DR).inNamespace("probe-system").resource(late).create();

            await().atMost(Duration.ofSeconds(20)).until(() -> DestinationRules.connectTimeout(reader.read().destinationRules(),
                    "late.partner.example", 443, POD.namespace()).equals(Optional.of(Duration.ofSeconds(3))));
            for (int i = 0; i < 5; i++) {
                assertThat(reader.read().destinationRulesStatus()).isEqualTo("ok");
            }
            assertThat(drainRequests()).as("reads after the first, by the test or the reader")
                    .noneMatch(r -> isList(r, "/destinationrules"));
        }
    }

    /** A LIST of the collection, not its watch. */
    static boolean isList(String request, String collection) {
        return request.startsWith("GET ") && request.contains(collection) && !request.contains("watch=true");
    }

    /** The requests the mock server has had since the last drain, as "METHOD path". */
    List<String> drainRequests() throws InterruptedException {
        List<String> requests = new ArrayList<>();
        for (var r = server.takeRequest(0, TimeUnit.SECONDS); r != null; r = server.takeRequest(0, TimeUnit.SECONDS)) {
            requests.add(r.getMethod() + " " + r.getPath());
        }
        return requests;
    }

    /**
     * One read, its informers closed after it. Nothing is asked of the mock server after such a close (each test has
     * its own server): the mock's {@code WatchEventsListener.onClosed} can hold the server's only event loop for up
     * to a minute, and the next request then times out (CI, once in about 15 runs on loaded cores).
     */
    static IstioTimeoutReader.Snapshot read(IstioTimeoutReader reader) {
        try (reader) {
            return reader.read();
        }
    }
}
