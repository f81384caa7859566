package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.ApiRequest;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.KubernetesCalls;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.egressprobe.testing.TestPki;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar with every Kubernetes feature on, against an API server that enforces the RBAC {@code k8s/}
 * renders as a real one does (403 with the API server's Status to what the roles do not grant): with the shipped grant
 * nothing is refused and every source is read; with the grant an older install has ({@code list} without {@code watch}
 * on DestinationRules) the rule's timeout still applies, the log says so once, without a stack trace, the metric says
 * so, and each refresh costs one LIST and no refused WATCH.
 */
class RbacEnforcedIT {
    static final String HOST = "identity.test";
    static final ResourceDefinitionContext DR = new ResourceDefinitionContext.Builder().withGroup("networking.istio.io")
            .withVersion("v1").withKind("DestinationRule").withPlural("destinationrules").withNamespaced(true).build();

    @TempDir
    Path dir;

    @Test
    void shouldReadEverySourceWithTheShippedGrantAndBeRefusedNothing() throws Exception {
        RbacGrant shipped = RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe");
        try (RbacApiServer api = RbacApiServer.start(shipped)) {
            Daemon d = start(api);
            try {
                await("every source read").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                        List.of("destination_rules", "destination_rules_watch", "mesh_config", "service_entries", "virtual_services").stream()
                                .allMatch(dep -> dependencyUp(d.port, dep).equals(Optional.of(1.0))));
                await("the rule's timeout").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> timeoutSource(d.port).equals("destination_rule"));

                assertThat(api.denied()).as("refused; the daemon asked %s", api.requestLines()).isEmpty();
                assertThat(Files.readString(d.log)).doesNotContain("stack_trace").doesNotContain("\tat ").doesNotContain("forbidden");
            } finally {
                d.stop();
            }
        }
    }

    @Test
    void shouldDegradeToOneListPerRefreshWithOneLogLineWhereTheRoleLacksWatch() throws Exception {
        RbacGrant withoutWatch = RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe")
                .without("networking.istio.io", "destinationrules", "watch");
        try (RbacApiServer api = RbacApiServer.start(withoutWatch)) {
            Daemon d = start(api);
            try {
                await("the rule's timeout").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> timeoutSource(d.port).equals("destination_rule"));
                await("exported").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> dependencyUp(d.port, "destination_rules_watch").equals(Optional.of(0.0)));
                assertThat(dependencyUp(d.port, "destination_rules")).contains(1.0);
                int first = api.requests().size();
                // Five more refreshes (envoy.refresh: 1s): each reads the mesh ConfigMap once.
                await("five refreshes").atMost(Duration.ofSeconds(30)).until(() -> meshConfigReads(since(api, first)) >= 5);
                List<ApiRequest> all = api.requests();
                List<ApiRequest> rules = rules(all);

                assertThat(rules.subList(0, 3)).extracting(ApiRequest::verb)
                        .as("the first read: a LIST, the informer's LIST, its refused watch").containsExactly("list", "list", "watch");
                assertThat(rules.subList(3, rules.size())).as("every later refresh: %s", api.requestLines()).isNotEmpty()
                        .allSatisfy(r -> assertThat(r.verb()).isEqualTo("list"));
                assertThat((long) rules.size() - 3).as("one LIST per later refresh").isLessThanOrEqualTo(meshConfigReads(all) - 1);
                String log = Files.readString(d.log);
                assertThat(log.lines().filter(l -> l.contains("Kubernetes timeout sources"))).as(log).singleElement()
                        .satisfies(l -> assertThat(l).contains("watch forbidden (RBAC: grant watch on destinationrules"));
                assertThat(log).as("no stack trace (the JSON log's stack_trace field)").doesNotContain("stack_trace")
                        .doesNotContain("\tat ");
            } finally {
                d.stop();
            }
        }
    }

    /**
     * A role from before the gateway leg (no VirtualServices): only that leg degrades. The rules are read and probing
     * goes on, {@code virtual_services} is down, the log says why once, and the refused LIST is not repeated each refresh.
     */
    @Test
    void shouldDegradeOnlyTheGatewayLegWhereTheRoleLacksVirtualServices() throws Exception {
        RbacGrant older = RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe")
                .without("networking.istio.io", "virtualservices", "list").without("networking.istio.io", "virtualservices", "watch");
        try (RbacApiServer api = RbacApiServer.start(older)) {
            Daemon d = start(api);
            try {
                await("the rule's timeout").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> timeoutSource(d.port).equals("destination_rule"));
                await("exported").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                        .until(() -> dependencyUp(d.port, "virtual_services").equals(Optional.of(0.0)));
                int first = api.requests().size();
                await("five refreshes").atMost(Duration.ofSeconds(30)).until(() -> meshConfigReads(since(api, first)) >= 5);

                assertThat(dependencyUp(d.port, "destination_rules")).contains(1.0);
                assertThat(dependencyUp(d.port, "destination_rules_watch")).contains(1.0);
                assertThat(since(api, first).stream().filter(r -> r.resource().equals("virtualservices")))
                        .as("no LIST each refresh: %s", api.requestLines()).isEmpty();
                String log = Files.readString(d.log);
                assertThat(log.lines().filter(l -> l.contains("Kubernetes timeout sources"))).as(log).singleElement()
                        .satisfies(l -> assertThat(l).contains("grant list and watch on virtualservices.networking.istio.io"));
                assertThat(log).doesNotContain("stack_trace").doesNotContain("\tat ");
            } finally {
                d.stop();
            }
        }
    }

    static List<ApiRequest> since(RbacApiServer api, int first) {
        List<ApiRequest> all = api.requests();
        return all.subList(first, all.size());
    }

    static long meshConfigReads(List<ApiRequest> requests) {
        return requests.stream().filter(r -> r.resource().equals("configmaps") && r.name().equals("istio")).count();
    }

    static List<ApiRequest> rules(List<ApiRequest> requests) {
        return requests.stream().filter(r -> r.resource().equals("destinationrules")).toList();
    }

    record Daemon(Process process, int port, Path log, TlsTargetServer target) {
        void stop() throws InterruptedException {
            process.destroy();
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
            target.close();
        }
    }

    Daemon start(RbacApiServer api) throws Exception {
        KubernetesCalls.seed(api.admin());
        api.admin().genericKubernetesResources(DR).inNamespace("egress-probe").resource(new GenericKubernetesResourceBuilder()
                .withApiVersion("networking.istio.io/v1").withKind("DestinationRule").withNewMetadata().withName("identity")
                .withNamespace("egress-probe").endMetadata().addToAdditionalProperties("spec", Map.of("host", HOST,
                        "trafficPolicy", Map.of("connectionPool", Map.of("tcp", Map.of("connectTimeout", "2s"))))).build())
                .create();
        TestPki pki = new TestPki(dir);
        TlsTargetServer target = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        int port = RawServers.closedPort();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 200ms }
                targets:
                  - { name: identity, host: %s, port: %d, tls: { caFile: ca.pem } }
                discovery: { serviceEntries: { enabled: true } }
                envoy: { refresh: 1s }
                kubernetes: { enabled: true, events: true }
                """.formatted(port, HOST, target.port()));
        List<String> command = Jar.withTestHosts(List.of("-Dkubernetes.master=" + api.url(),
                "-Dkubernetes.auth.token=" + RbacApiServer.TOKEN, "-Dkubernetes.auth.tryKubeConfig=false",
                "-Dkubernetes.auth.tryServiceAccount=false", "-Dkubernetes.namespace=egress-probe"),
                "run", "--config", config.toString());
        Path log = dir.resolve("daemon.log");
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().putAll(Map.of("POD_NAME", KubernetesCalls.POD.name(), "POD_NAMESPACE",
                KubernetesCalls.POD.namespace(), "NODE_NAME", KubernetesCalls.NODE));
        Process p = builder.start();
        try {
            await("ready").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Http.get(port, "/readyz").statusCode() == 200);
        } catch (ConditionTimeoutException e) {
            p.destroyForcibly();
            target.close();
            throw new AssertionError("not ready; the daemon's log:\n" + Files.readString(log), e);
        }
        return new Daemon(p, port, log, target);
    }

    static Optional<Double> dependencyUp(int port, String dependency) {
        try {
            return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_dependency_up",
                    "egress_probe_dependency_up", Map.of("dependency", dependency));
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    static String timeoutSource(int port) throws Exception {
        JsonNode targets = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets");
        for (JsonNode t : targets) {
            if (t.get("name").asText().equals("identity")) {
                return t.get("timeout").get("source").asText();
            }
        }
        return "";
    }
}
