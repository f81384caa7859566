package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.config.ConfigParser;
import io.egressprobe.config.Mode;
import io.egressprobe.config.ProbeConfig;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.DaemonSet;
import io.egressprobe.testing.KubernetesCalls;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What {@code kubectl kustomize} renders of {@code k8s/}, its overlays and every combination of its components. */
class ManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<HasMetadata> render(String dir) throws IOException, InterruptedException {
        return Kustomize.render(dir);
    }

    static <T> T one(List<HasMetadata> docs, Class<T> type, String name) {
        return docs.stream().filter(type::isInstance).map(type::cast)
                .filter(d -> ((HasMetadata) d).getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    @Test
    void shouldInstallOnAClusterWithoutThePrometheusOperator() throws Exception {
        List<HasMetadata> docs = render("k8s");

        assertThat(docs).extracting(HasMetadata::getKind).as("built-in kinds only: no CRD needed")
                .containsExactlyInAnyOrder("Namespace", "ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
                        "RoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet", "Service");
        assertThat(docs).allSatisfy(d -> assertThat(d).isNotInstanceOf(GenericKubernetesResource.class));
        assertThat(render("k8s/overlays/prometheus-operator")).extracting(HasMetadata::getKind)
                .contains("PodMonitor", "PrometheusRule").hasSize(13);
    }

    static final Map<String, String> COMPONENTS = Map.of("monitoring", "PodMonitor", "direct-path", "DaemonSet",
            "network-policy", "NetworkPolicy", "sidecar-scope", "Sidecar");

    /** Every combination of the optional components on the base, each checked for what must hold together. */
    @Test
    void shouldRenderEveryCombinationOfComponentsConsistently() throws Exception {
        List<String> names = List.copyOf(new TreeSet<>(COMPONENTS.keySet()));
        for (int mask = 0; mask < 1 << names.size(); mask++) {
            List<String> chosen = new ArrayList<>();
            for (int i = 0; i < names.size(); i++) {
                if ((mask & 1 << i) != 0) {
                    chosen.add(names.get(i));
                }
            }
            List<HasMetadata> docs = render(combination(Path.of("k8s"), chosen).toString());
            assertConsistent(docs, "egress-probe", "egress-probe:0.1.0", "components " + chosen);
            assertThat(docs.stream().filter(d -> d instanceof DaemonSet).count()).as("components %s", chosen)
                    .isEqualTo(chosen.contains("direct-path") ? 2 : 1);
            assertThat(docs).extracting(HasMetadata::getKind).as("components %s", chosen)
                    .containsAll(chosen.stream().map(COMPONENTS::get).toList());
            assertThat(docs.stream().anyMatch(d -> d instanceof GenericKubernetesResource)).as("components %s: CRDs", chosen)
                    .isEqualTo(chosen.contains("monitoring") || chosen.contains("sidecar-scope"));
        }
    }

    /** The namespace and the image are each set in one line, and everything follows. */
    @Test
    void shouldMoveEverythingWithTheNamespaceAndImageSetOnce(@TempDir Path tmp) throws Exception {
        Path copy = tmp.resolve("k8s");
        copyTree(Path.of("k8s"), copy);
        Path base = copy.resolve("base/kustomization.yaml");
        String text = Files.readString(base);
        Files.writeString(base, text.replace("namespace: egress-probe\n", "namespace: probes\n")
                .replace("newName: egress-probe\n", "newName: registry.example.com/mirror/egress-probe\n")
                .replace("newTag: 0.1.0\n", "newTag: 9.9.9\n"));

        List<HasMetadata> docs = render(combination(copy, List.copyOf(COMPONENTS.keySet())).toString());

        assertConsistent(docs, "probes", "registry.example.com/mirror/egress-probe:9.9.9", "namespace and image changed");
        assertThat(one(docs, io.fabric8.kubernetes.api.model.Namespace.class, "probes")).isNotNull();
    }

    /**
     * The README's own kustomization: the base and every component taken as they are, with {@code namespace:} set in
     * the user's file. Without k8s/transformers/namespace the mesh-config Role left istio-system and every binding
     * named the ServiceAccount in egress-probe.
     */
    @Test
    void shouldHoldTogetherInAUsersKustomizationThatSetsItsOwnNamespace() throws Exception {
        Path dir = combination(Path.of("k8s"), List.copyOf(COMPONENTS.keySet()));
        Path user = Files.createDirectories(dir.resolveSibling("users-own-namespace"));
        Path root = user.relativize(Path.of("k8s").toAbsolutePath());
        Files.writeString(user.resolve("kustomization.yaml"), Files.readString(dir.resolve("kustomization.yaml"))
                + "namespace: team-payments\ntransformers:\n  - " + root + "/transformers/namespace\n");

        List<HasMetadata> docs = render(user.toString());

        assertConsistent(docs, "team-payments", "egress-probe:0.1.0", "the user's namespace");
        assertThat(one(docs, io.fabric8.kubernetes.api.model.Namespace.class, "team-payments")).isNotNull();
    }

    /** A kustomization beside {@code k8s} taking its base with the given components, as a user's own would. */
    static Path combination(Path k8s, List<String> components) throws IOException {
        Path dir = Files.createDirectories(k8s.toAbsolutePath().getParent().resolve("target/kustomize/"
                + k8s.getFileName() + "-" + (components.isEmpty() ? "base" : String.join("+", components))));
        Path root = dir.relativize(k8s.toAbsolutePath());
        StringBuilder yaml = new StringBuilder("resources:\n  - " + root + "/base\ncomponents:\n  - " + root
                + "/components/mesh-config\n");
        components.forEach(c -> yaml.append("  - ").append(root).append("/components/").append(c).append('\n'));
        Files.writeString(dir.resolve("kustomization.yaml"), yaml.toString());
        return dir;
    }

    static void copyTree(Path from, Path to) throws IOException {
        try (var paths = Files.walk(from)) {
            for (Path p : paths.toList()) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    /**
     * What must hold in any rendering: every object in the probe's namespace but the mesh-config Role and its binding
     * (in istio-system), every binding naming the ServiceAccount where it is, one image, every selector finding pods.
     */
    static void assertConsistent(List<HasMetadata> docs, String namespace, String image, String what) {
        assertThat(docs).as(what).filteredOn(d -> !d.getKind().startsWith("Cluster") && !d.getKind().equals("Namespace")
                        && !d.getMetadata().getName().equals("egress-probe-mesh-config"))
                .isNotEmpty().allSatisfy(d -> assertThat(d.getMetadata().getNamespace()).as(what + ": " + d.getKind()).isEqualTo(namespace));
        assertThat(docs).as(what).filteredOn(d -> d.getMetadata().getName().equals("egress-probe-mesh-config"))
                .hasSize(2).allSatisfy(d -> assertThat(d.getMetadata().getNamespace()).isEqualTo("istio-system"));
        assertThat(docs).as(what).filteredOn(d -> d.getKind().endsWith("Binding"))
                .flatExtracting(d -> d instanceof io.fabric8.kubernetes.api.model.rbac.RoleBinding rb ? rb.getSubjects()
                        : ((io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding) d).getSubjects())
                .hasSize(3).allSatisfy(subject -> assertThat(subject.getNamespace()).isEqualTo(namespace));
        List<DaemonSet> daemonSets = docs.stream().filter(DaemonSet.class::isInstance).map(DaemonSet.class::cast).toList();
        assertThat(daemonSets).as(what).isNotEmpty().allSatisfy(ds -> {
            assertThat(ds.getSpec().getTemplate().getSpec().getContainers()).singleElement()
                    .satisfies(c -> assertThat(c.getImage()).isEqualTo(image));
            assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsAllEntriesOf(ds.getSpec().getSelector()
                    .getMatchLabels());
        });
        List<Map<String, String>> podLabels = daemonSets.stream().map(ds -> ds.getSpec().getTemplate().getMetadata().getLabels()).toList();
        for (HasMetadata d : docs) {
            Map<String, String> selector = d instanceof io.fabric8.kubernetes.api.model.Service svc ? svc.getSpec().getSelector()
                    : d instanceof io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy np ? np.getSpec().getPodSelector().getMatchLabels()
                    : d instanceof GenericKubernetesResource r && r.getKind().equals("PodMonitor")
                    ? new ObjectMapper().convertValue(new ObjectMapper().valueToTree(r.getAdditionalProperties().get("spec"))
                            .at("/selector/matchLabels"), new com.fasterxml.jackson.core.type.TypeReference<Map<String, String>>() {})
                    : null;
            if (selector != null) {
                assertThat(podLabels).as(what + ": " + d.getKind() + " selects the probes' pods").isNotEmpty().allSatisfy(labels ->
                        assertThat(labels).containsAllEntriesOf(selector));
            }
        }
    }

    @Test
    void shouldRunRestrictedNonRootWithoutCapabilitiesAndNeverAsIstiosProxyUid() throws Exception {
        PodSpec pod = one(render("k8s"), DaemonSet.class, "egress-probe").getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);

        assertThat(pod.getSecurityContext().getRunAsNonRoot()).isTrue();
        assertThat(pod.getSecurityContext().getRunAsUser()).isNotIn(0L, 1337L);
        assertThat(pod.getSecurityContext().getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        assertThat(c.getSecurityContext().getAllowPrivilegeEscalation()).isFalse();
        assertThat(c.getSecurityContext().getCapabilities().getDrop()).containsExactly("ALL");
        assertThat(c.getSecurityContext().getCapabilities().getAdd()).isNullOrEmpty();
        assertThat(c.getVolumeMounts()).extracting(m -> m.getMountPath()).contains("/etc/egress-probe", "/tmp");
    }

    @Test
    void shouldInjectTheSidecarWithStatsStartOrderingAndFineBuckets() throws Exception {
        DaemonSet ds = one(render("k8s"), DaemonSet.class, "egress-probe");
        Map<String, String> annotations = ds.getSpec().getTemplate().getMetadata().getAnnotations();

        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("sidecar.istio.io/inject", "true");
        JsonNode proxyConfig = YAML.readTree(annotations.get("proxy.istio.io/config"));
        assertThat(proxyConfig.get("holdApplicationUntilProxyStarts").asBoolean()).isTrue();
        assertThat(proxyConfig.at("/proxyStatsMatcher/inclusionRegexps").toString()).contains("upstream_cx_");
        JsonNode buckets = new ObjectMapper().readTree(annotations.get("sidecar.istio.io/statsHistogramBuckets"));
        List<Integer> bounds = new ArrayList<>();
        buckets.properties().iterator().next().getValue().forEach(b -> bounds.add(b.asInt()));
        assertThat(bounds).filteredOn(b -> b >= 500 && b <= 3000).as("fine between 0.5 s and 3 s").hasSizeGreaterThanOrEqualTo(8)
                .contains(1000);
        assertThat(ds.getSpec().getUpdateStrategy().getType()).isEqualTo("RollingUpdate");
        assertThat(ds.getSpec().getTemplate().getSpec().getTolerations()).anySatisfy(t -> assertThat(t.getOperator()).isEqualTo("Exists"));
    }

    @Test
    void shouldGiveTheDaemonItsDownwardApiProbesAndResources() throws Exception {
        Container c = one(render("k8s"), DaemonSet.class, "egress-probe").getSpec().getTemplate().getSpec().getContainers().get(0);

        assertThat(c.getEnv()).extracting(e -> e.getName() + "=" + e.getValueFrom().getFieldRef().getFieldPath())
                .contains("NODE_NAME=spec.nodeName", "POD_NAME=metadata.name", "POD_NAMESPACE=metadata.namespace");
        assertThat(c.getLivenessProbe().getHttpGet().getPath()).isEqualTo("/healthz");
        assertThat(c.getReadinessProbe().getHttpGet().getPath()).isEqualTo("/readyz");
        assertThat(c.getResources().getRequests()).containsKeys("cpu", "memory");
        assertThat(c.getResources().getLimits()).containsKey("memory");
        assertThat(c.getArgs()).containsExactly("run", "--config", "/etc/egress-probe/config.yaml");
    }

    /**
     * The grant is derived from what the code does: every request the daemon's Kubernetes code makes (each public entry
     * of {@code io.egressprobe.kube} that takes a client, run as the daemon runs it) is recorded by a mock API server,
     * mapped to its verb as the API server maps it ({@link ApiRequest}), and the rendered ClusterRole and Roles must
     * grant exactly that set of (scope, apiGroup/resource, verb): nothing the code does not call, and, enforced as a
     * real API server enforces RBAC ({@link RbacGrant}), nothing it calls refused. A hand-written list here once held
     * {@code list} without {@code watch} on DestinationRules while the code watched them.
     */
    @Test
    void shouldGrantExactlyWhatTheCodeCalls() throws Exception {
        for (String dir : List.of("k8s", "k8s/overlays/prometheus-operator", "k8s/overlays/direct")) {
            RbacGrant grant = RbacGrant.of(render(dir), "egress-probe", "egress-probe");
            try (RbacApiServer api = RbacApiServer.start(grant);
                 KubernetesClient serviceAccount = api.serviceAccountClient()) {
                KubernetesCalls.seed(api.admin());

                KubernetesCalls.run(serviceAccount);

                Set<String> called = new TreeSet<>();
                api.requests().forEach(r -> called.add(RbacGrant.permission(r)));
                assertThat(api.denied()).as("%s: refused by the rendered RBAC; the requests were %s", dir, api.requestLines())
                        .isEmpty();
                assertThat(grant.permissions()).as("%s: granted, against what the code called (%s)", dir, api.requestLines())
                        .isEqualTo(called);
            }
        }
    }

    /** Every public class of the kube package that takes a client is run by {@link KubernetesCalls}. */
    @Test
    void shouldDeriveTheGrantFromEveryClassThatCallsTheApi() throws Exception {
        Set<Class<?>> callers = new java.util.HashSet<>();
        try (var files = Files.list(Path.of("target/classes/io/egressprobe/kube"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class") && !p.getFileName().toString().contains("$")).toList()) {
                Class<?> c = Class.forName("io.egressprobe.kube." + f.getFileName().toString().replace(".class", ""));
                boolean takesClient = java.lang.reflect.Modifier.isPublic(c.getModifiers()) && (
                        java.util.Arrays.stream(c.getConstructors()).anyMatch(k -> List.of(k.getParameterTypes()).contains(KubernetesClient.class))
                        || java.util.Arrays.stream(c.getMethods()).anyMatch(m -> java.lang.reflect.Modifier.isStatic(m.getModifiers())
                                && List.of(m.getParameterTypes()).contains(KubernetesClient.class)));
                if (takesClient) {
                    callers.add(c);
                }
            }
        }

        assertThat(callers).isEqualTo(KubernetesCalls.EXERCISED);
    }

    @Test
    void shouldShipAConfigThatPassesValidationAndFindsThePathItself() throws Exception {
        ProbeConfig base = ConfigParser.parse(one(render("k8s"), ConfigMap.class, "egress-probe-config").getData().get("config.yaml"));

        assertThat(base.mode()).as("both DaemonSets read it: auto is the sidecar path where one answers, else direct")
                .isEqualTo(Mode.AUTO);
        assertThat(base.discovery().serviceEntriesEnabled()).isTrue();
    }

    /** Issue 31: the alert state is written to a volume of its own; the root filesystem stays read-only. */
    @Test
    void shouldKeepTheAlertStateOnAWritableEmptyDirBesideTheReadOnlyRootFilesystem() throws Exception {
        List<HasMetadata> objects = render("k8s");
        ProbeConfig base = ConfigParser.parse(one(objects, ConfigMap.class, "egress-probe-config").getData().get("config.yaml"));
        PodSpec pod = one(objects, DaemonSet.class, "egress-probe").getSpec().getTemplate().getSpec();
        Container c = pod.getContainers().get(0);

        Path stateDir = base.alerting().stateFile().orElseThrow().getParent();
        assertThat(c.getSecurityContext().getReadOnlyRootFilesystem()).isTrue();
        var mount = c.getVolumeMounts().stream().filter(m -> Path.of(m.getMountPath()).equals(stateDir)).findFirst()
                .orElseThrow(() -> new AssertionError("no volume mounted at " + stateDir));
        assertThat(mount.getReadOnly()).as("writable").isNotEqualTo(Boolean.TRUE);
        assertThat(pod.getVolumes()).filteredOn(v -> v.getName().equals(mount.getName())).singleElement()
                .satisfies(v -> assertThat(v.getEmptyDir()).as("an emptyDir: it survives a container restart").isNotNull());
    }

    @Test
    void shouldRunTheDirectOverlayAsTheBasePodWithoutASidecar() throws Exception {
        List<HasMetadata> docs = render("k8s/overlays/direct");
        DaemonSet direct = one(docs, DaemonSet.class, "egress-probe-direct");
        DaemonSet sidecar = one(docs, DaemonSet.class, "egress-probe");

        assertThat(direct.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("sidecar.istio.io/inject", "false");
        assertThat(direct.getSpec().getTemplate().getMetadata().getAnnotations()).as("no sidecar to configure").isNullOrEmpty();
        assertThat(direct.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "direct-path");
        assertThat(sidecar.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "sidecar-path");
        assertThat(direct.getSpec().getTemplate().getSpec()).as("the same pod spec, config included")
                .isEqualTo(sidecar.getSpec().getTemplate().getSpec());
        assertThat(direct.getSpec().getUpdateStrategy()).isEqualTo(sidecar.getSpec().getUpdateStrategy());
    }

    @Test
    void shouldAdmitOnlyTheMonitoringNamespaceToTheProbesPortInTheOptionalComponent() throws Exception {
        var policy = one(render(combination(Path.of("k8s"), List.of("network-policy")).toString()),
                io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class, "egress-probe-scrape-only");

        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "monitoring"));
            assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9478));
        });
    }

    @Test
    void shouldScrapeOncePerNodeWithSeriesThatSurviveARolloutAndAPortOutsideTheSidecar() throws Exception {
        List<HasMetadata> docs = render("k8s/overlays/prometheus-operator");
        GenericKubernetesResource monitor = docs.stream().filter(d -> d.getKind().equals("PodMonitor"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        JsonNode endpoint = new ObjectMapper().valueToTree(monitor.getAdditionalProperties().get("spec")).at("/podMetricsEndpoints/0");
        List<String> relabel = new ArrayList<>();
        endpoint.get("relabelings").forEach(r -> relabel.add(r.path("targetLabel").asText(r.path("action").asText()
                + " " + r.path("regex").asText())));

        assertThat(relabel).contains("node", "instance", "labeldrop pod|container|endpoint");
        assertThat(endpoint.at("/relabelings/1/sourceLabels/0").asText()).isEqualTo("__meta_kubernetes_pod_node_name");
        assertThat(monitor.getMetadata().getLabels()).containsKey("release");
        DaemonSet ds = one(docs, DaemonSet.class, "egress-probe");
        int port = ds.getSpec().getTemplate().getSpec().getContainers().get(0).getPorts().stream()
                .filter(p -> p.getName().equals(endpoint.get("port").asText())).findFirst().orElseThrow().getContainerPort();
        assertThat(ds.getSpec().getTemplate().getMetadata().getAnnotations())
                .as("scrapeable under STRICT mTLS").containsEntry("traffic.sidecar.istio.io/excludeInboundPorts", Integer.toString(port));
    }

    @Test
    void shouldKeepThePrometheusRuleIdenticalToThePlainRuleFile() throws Exception {
        GenericKubernetesResource rule = render("k8s/overlays/prometheus-operator").stream().filter(d -> d.getKind().equals("PrometheusRule"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        JsonNode fromK8s = new ObjectMapper().valueToTree(rule.getAdditionalProperties().get("spec")).get("groups");
        JsonNode plain = YAML.readTree(Files.readString(Path.of("k8s/monitoring/egress-probe.rules.yml"))).get("groups");

        assertThat(fromK8s).isEqualTo(plain);
    }

    /**
     * A Prometheus operator selects PodMonitors and PrometheusRules each by its own selector, which installs like
     * kube-prometheus-stack set to the same {@code release} label: a rule without it is never loaded, and nothing says so.
     */
    @Test
    void shouldLabelThePrometheusRuleAsThePodMonitorSoThatTheSameOperatorLoadsBoth() throws Exception {
        List<HasMetadata> docs = render("k8s/overlays/prometheus-operator");
        Map<String, String> monitor = docs.stream().filter(d -> d.getKind().equals("PodMonitor")).findFirst().orElseThrow()
                .getMetadata().getLabels();
        Map<String, String> rule = docs.stream().filter(d -> d.getKind().equals("PrometheusRule")).findFirst().orElseThrow()
                .getMetadata().getLabels();

        assertThat(monitor).containsKey("release");
        assertThat(rule).isEqualTo(monitor);
    }

    @Test
    void shouldLabelThePlainScrapeJobAsThePodMonitorDoes() throws Exception {
        GenericKubernetesResource monitor = render("k8s/overlays/prometheus-operator").stream()
                .filter(d -> d.getKind().equals("PodMonitor")).map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        JsonNode endpoint = new ObjectMapper().valueToTree(monitor.getAdditionalProperties().get("spec")).at("/podMetricsEndpoints/0");
        JsonNode job = YAML.readTree(Path.of("k8s/monitoring/prometheus-scrape.yml").toFile()).get(0);

        assertThat(targetLabels(job.get("relabel_configs"), "source_labels", "target_label"))
                .as("node and instance as the PodMonitor sets them")
                .containsAllEntriesOf(targetLabels(endpoint.get("relabelings"), "sourceLabels", "targetLabel"));
        assertThat(job.at("/metric_relabel_configs/0/regex").asText()).isEqualTo(endpoint.at("/metricRelabelings/0/regex").asText());
        JsonNode selector = new ObjectMapper().valueToTree(monitor.getAdditionalProperties().get("spec")).at("/selector/matchLabels");
        assertThat(job.at("/kubernetes_sd_configs/0/selectors/0/label").asText())
                .isEqualTo("app.kubernetes.io/name=" + selector.get("app.kubernetes.io/name").asText());
    }

    /** What each relabelling that sets a label sets it from: target label -> its source labels joined by the separator. */
    static Map<String, String> targetLabels(JsonNode relabelings, String sourceKey, String targetKey) {
        Map<String, String> labels = new TreeMap<>();
        relabelings.forEach(r -> {
            if (r.has(targetKey)) {
                List<String> sources = new ArrayList<>();
                r.get(sourceKey).forEach(l -> sources.add(l.asText()));
                labels.put(r.get(targetKey).asText(), String.join(r.path("separator").asText(";"), sources));
            }
        });
        return labels;
    }
}
