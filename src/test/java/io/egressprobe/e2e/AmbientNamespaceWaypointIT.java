package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.testing.ApiRequest;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.KubernetesCalls;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.egressprobe.testing.Stop;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 29: the shipped jar on the ambient path discovers a ServiceEntry that carries no {@code istio.io/use-waypoint}
 * while its namespace does; the route of its host goes through that waypoint, read with the shipped RBAC from the
 * fabric8 mock API server that enforces it. With an older role (no {@code get namespaces}) the host's route is
 * ztunnel's alone, the log says why once, the metric says so, and the host is probed all along.
 */
class AmbientNamespaceWaypointIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final ResourceDefinitionContext SE = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("ServiceEntry").withPlural("serviceentries").withNamespaced(true).build();
    static final String TARGET = "other-test-443";

    @TempDir
    Path dir;

    @Test
    void shouldRouteAHostThroughTheWaypointItsServiceEntrysNamespaceNames() throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped())) {
            seed(api);
            Daemon d = Daemon.start(api, dir);
            try {
                await("the namespace's waypoint on the route").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> hops(d.port).equals(List.of("ztunnel", "waypoint")));
                assertThat(notes(d.port)).anySatisfy(n -> assertThat(n).contains("to waypoint egress/egress-waypoint"));
                assertThat(dependencyUp(d.port)).contains(1.0);
            } finally {
                d.stop();
            }
            List<ApiRequest> namespaces = api.requests().stream().filter(r -> r.resource().equals("namespaces")).toList();
            assertThat(namespaces).as("GETs of the discovered ServiceEntries' namespaces, never a list: %s", api.requestLines())
                    .isNotEmpty().allSatisfy(r -> assertThat(r.verb()).isEqualTo("get"))
                    .extracting(ApiRequest::name).containsOnly("apps", "payments"); // payments: KubernetesCalls.seed's
            assertThat(api.denied()).as("%s", api.requestLines()).isEmpty();
        }
    }

    @Test
    void shouldKeepProbingWithZtunnelsHopAloneAndSaySoOnceWhereGetNamespacesIsRefused() throws Exception {
        try (RbacApiServer api = RbacApiServer.start(shipped().without("", "namespaces", "get"))) {
            seed(api);
            Daemon d = Daemon.start(api, dir);
            try {
                await("the refusal exported").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> dependencyUp(d.port).equals(Optional.of(0.0)));
                await("three refreshes refused").atMost(Duration.ofSeconds(30)).until(() -> api.denied().size() >= 3);
                assertThat(hops(d.port)).containsExactly("ztunnel");
                double attempts = attempts(d.port);
                await("probed all along").atMost(Duration.ofSeconds(30)).until(() -> attempts(d.port) >= attempts + 10);
            } finally {
                d.stop();
            }
            assertThat(api.denied()).allSatisfy(r -> assertThat(r.resource() + " " + r.verb()).isEqualTo("namespaces get"));
            String log = Files.readString(d.log);
            assertThat(log.lines().filter(l -> l.contains("cannot read the labels of the ServiceEntries' namespaces")))
                    .as(log).singleElement().satisfies(l -> assertThat(l).contains("RBAC: grant get on namespaces"));
            assertThat(log).doesNotContain("\tat ").doesNotContain("stack_trace");
        }
    }

    static RbacGrant shipped() throws Exception {
        return RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe");
    }

    /** {@code apps} names waypoint {@code egress/egress-waypoint}; its ServiceEntry names none of its own. */
    static void seed(RbacApiServer api) {
        KubernetesCalls.seed(api.admin());
        api.admin().namespaces().resource(new NamespaceBuilder().withNewMetadata().withName("apps").withLabels(Map.of(
                "istio.io/use-waypoint", "egress-waypoint", "istio.io/use-waypoint-namespace", "egress")).endMetadata()
                .build()).create();
        api.admin().genericKubernetesResources(SE).inNamespace("apps").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind("ServiceEntry").withNewMetadata().withName("partner-api")
                .withNamespace("apps").withLabels(Map.of("egress-probe.io/probe", "true")).endMetadata()
                .addToAdditionalProperties("spec", Map.of("hosts", List.of("other.test"), "location", "MESH_EXTERNAL",
                        "resolution", "DNS", "ports", List.of(Map.of("number", 443, "name", "tls", "protocol", "TLS"))))
                .build()).create();
    }

    static JsonNode target(int port) throws Exception {
        for (JsonNode t : JSON.readTree(Http.get(port, "/api/v1/targets").body()).get("targets")) {
            if (t.get("name").asText().equals(TARGET)) {
                return t;
            }
        }
        throw new AssertionError(TARGET + " not discovered yet");
    }

    static List<String> hops(int port) throws Exception {
        List<String> hops = new ArrayList<>();
        target(port).at("/route/hops").forEach(h -> hops.add(h.get("hop").asText()));
        return hops;
    }

    static List<String> notes(int port) throws Exception {
        List<String> notes = new ArrayList<>();
        target(port).at("/route/notes").forEach(n -> notes.add(n.asText()));
        return notes;
    }

    static Optional<Double> dependencyUp(int port) throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_dependency_up",
                "egress_probe_dependency_up", Map.of("dependency", "namespaces"));
    }

    static double attempts(int port) throws Exception {
        return PrometheusText.sum(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_attempts_total",
                Map.of("target", TARGET));
    }

    /** The shipped jar on the ambient path, as the DaemonSet runs it, with the ServiceAccount's token. */
    record Daemon(Process process, int port, Path log) {
        static Daemon start(RbacApiServer api, Path dir) throws Exception {
            int port = RawServers.closedPort();
            Path config = Files.writeString(dir.resolve("config.yaml"), """
                    listen: 127.0.0.1:%d
                    mode: ambient
                    defaults: { interval: 200ms }
                    discovery: { serviceEntries: { enabled: true } }
                    envoy: { refresh: 1s }
                    kubernetes: { enabled: true, events: false }
                    """.formatted(port));
            Path log = dir.resolve("daemon.log");
            List<String> command = Jar.withTestHosts(List.of("-Dkubernetes.master=" + api.url(),
                    "-Dkubernetes.auth.token=" + RbacApiServer.TOKEN, "-Dkubernetes.auth.tryKubeConfig=false",
                    "-Dkubernetes.auth.tryServiceAccount=false", "-Dkubernetes.namespace=egress-probe"),
                    "run", "--config", config.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("POD_NAME", KubernetesCalls.POD.name(), "POD_NAMESPACE",
                    KubernetesCalls.POD.namespace(), "NODE_NAME", KubernetesCalls.NODE));
            Process p = builder.start();
            try {
                await("ready").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Http.get(port, "/readyz").statusCode() == 200);
            } catch (ConditionTimeoutException e) {
                Stop.process(p);
                throw new AssertionError("not ready; the daemon's log:\n" + Files.readString(log), e);
            }
            return new Daemon(p, port, log);
        }

        void stop() {
            Stop.process(process);
        }
    }
}
