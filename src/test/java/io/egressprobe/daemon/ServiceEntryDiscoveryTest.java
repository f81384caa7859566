package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.kube.NamespaceLabels;
import io.egressprobe.kube.UseWaypoint.Waypoint;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.testing.ApiRequest;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Issue 29: on the ambient path a discovered ServiceEntry without {@code istio.io/use-waypoint} of its own takes its
 * namespace's, as istiod's {@code fetchWaypointForTarget} does, read from the fabric8 mock API server that enforces the
 * shipped RBAC; its recorded requests show one GET per namespace that decides a binding, never a LIST of namespaces.
 */
@ExtendWith(VertxExtension.class)
class ServiceEntryDiscoveryTest {
    static final ResourceDefinitionContext SE = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("ServiceEntry").withPlural("serviceentries").withNamespaced(true).build();
    static final Duration REFRESH = Duration.ofMillis(300);

    final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    final AtomicReference<ServiceEntryDiscovery.Declared> declared = new AtomicReference<>();
    final AtomicReference<List<Target>> targets = new AtomicReference<>(List.of());

    @Test
    void shouldBindAServiceEntryWithoutItsOwnLabelToItsNamespacesWaypointAndFollowTheNamespacesRelabelling(Vertx vertx)
            throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped());
             KubernetesClient client = api.serviceAccountClient()) {
            seed(api.admin());
            ServiceEntryDiscovery discovery = discovery(vertx, client);
            try {
                discovery.start();
                await("bound by the namespace's label").atMost(Duration.ofSeconds(20))
                        .until(() -> waypoints().equals(Map.of(
                                "api.example.com", new Waypoint("egress", "ns-waypoint"),
                                "pinned.example.com", new Waypoint("apps", "own-waypoint"),
                                "own.example.com", new Waypoint("own", "waypoint"))));
                assertThat(targets.get()).as("every ServiceEntry is probed, bound or not").hasSize(5);

                api.admin().namespaces().withName("apps").edit(n -> new NamespaceBuilder(n).editMetadata()
                        .withLabels(Map.of("istio.io/use-waypoint", "none")).endMetadata().build());
                await("the namespace re-read at a refresh: opted out").atMost(Duration.ofSeconds(20))
                        .until(() -> !waypoints().containsKey("api.example.com"));
                assertThat(waypoints()).containsKeys("pinned.example.com", "own.example.com");
            } finally {
                discovery.stop();
            }
            // Nothing is asked of the server after the informer's watch closed: only what it recorded is read.
            List<ApiRequest> namespaceReads = api.requests().stream().filter(r -> r.resource().equals("namespaces")).toList();
            assertThat(namespaceReads).as("%s", api.requestLines()).isNotEmpty()
                    .allSatisfy(r -> assertThat(r.verb()).isEqualTo("get"))
                    .extracting(ApiRequest::name).as("only where no ServiceEntry label decides").containsOnly("apps", "plain");
            assertThat(api.denied()).isEmpty();
            assertThat(dependencyUp()).isEqualTo(1.0);
        }
    }

    @Test
    void shouldBindByTheServiceEntrysOwnLabelOnlyAndSaySoWhereGetNamespacesIsRefused(Vertx vertx) throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped().without("", "namespaces", "get"));
             KubernetesClient client = api.serviceAccountClient()) {
            seed(api.admin());
            ServiceEntryDiscovery discovery = discovery(vertx, client);
            try {
                discovery.start();
                await("the refusal exported").atMost(Duration.ofSeconds(20)).ignoreExceptions()
                        .until(() -> dependencyUp() == 0.0 && targets.get().size() == 5);
                await("a few refreshes").atMost(Duration.ofSeconds(20))
                        .until(() -> api.denied().size() >= 3);
                assertThat(waypoints()).as("the ServiceEntries' own labels still bind").isEqualTo(Map.of(
                        "pinned.example.com", new Waypoint("apps", "own-waypoint"),
                        "own.example.com", new Waypoint("own", "waypoint")));
            } finally {
                discovery.stop();
            }
            assertThat(api.denied()).as("only the namespaces' GET is refused: %s", api.requestLines())
                    .allSatisfy(r -> assertThat(r.resource() + " " + r.verb()).isEqualTo("namespaces get"));
        }
    }

    static RbacGrant shipped() throws Exception {
        return RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe");
    }

    ServiceEntryDiscovery discovery(Vertx vertx, KubernetesClient client) {
        return new ServiceEntryDiscovery(vertx, () -> client, Optional.of(new NamespaceLabels(client)),
                new DependencyHealth(registry), "egress-probe.io/probe=true", REFRESH, () -> ProbeSettings.BUILT_IN,
                targets::set, declared::set);
    }

    Map<String, Waypoint> waypoints() {
        ServiceEntryDiscovery.Declared d = declared.get();
        return d == null ? Map.of() : d.waypoints();
    }

    double dependencyUp() {
        return registry.get("egress.probe.dependency.up").tag("dependency", "namespaces").gauge().value();
    }

    /**
     * {@code apps} names a waypoint in {@code egress}; in it, one ServiceEntry takes that, one names its own and one opts
     * out. {@code plain} names none. {@code own}'s only ServiceEntry names its own: that namespace is never read.
     */
    static void seed(KubernetesClient admin) {
        namespace(admin, "apps", Map.of("istio.io/use-waypoint", "ns-waypoint", "istio.io/use-waypoint-namespace", "egress"));
        namespace(admin, "plain", Map.of());
        namespace(admin, "own", Map.of("istio.io/use-waypoint", "never-read"));
        serviceEntry(admin, "apps", "api", "api.example.com", Map.of());
        serviceEntry(admin, "apps", "pinned", "pinned.example.com", Map.of("istio.io/use-waypoint", "own-waypoint"));
        serviceEntry(admin, "apps", "optout", "optout.example.com", Map.of("istio.io/use-waypoint", "none"));
        serviceEntry(admin, "plain", "plain", "plain.example.com", Map.of());
        serviceEntry(admin, "own", "own", "own.example.com", Map.of("istio.io/use-waypoint", "waypoint"));
    }

    static void namespace(KubernetesClient admin, String name, Map<String, String> labels) {
        admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).withLabels(labels).endMetadata()
                .build()).create();
    }

    static void serviceEntry(KubernetesClient admin, String namespace, String name, String host, Map<String, String> labels) {
        Map<String, String> all = new HashMap<>(labels);
        all.put("egress-probe.io/probe", "true");
        admin.genericKubernetesResources(SE).inNamespace(namespace).resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind("ServiceEntry").withNewMetadata().withName(name)
                .withNamespace(namespace).withLabels(all).endMetadata().addToAdditionalProperties("spec", Map.of(
                        "hosts", List.of(host), "location", "MESH_EXTERNAL", "resolution", "DNS",
                        "ports", List.of(Map.of("number", 443, "name", "tls", "protocol", "TLS")))).build()).create();
    }
}
