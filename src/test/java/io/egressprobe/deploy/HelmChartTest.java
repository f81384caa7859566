package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.egressprobe.config.ConfigParser;
import io.egressprobe.config.ProbeConfig;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * charts/egress-probe against what {@code kubectl kustomize} renders of k8s/: the default render and each option
 * equal to the kustomize install and its components, object for object, as parsed trees (every field: names,
 * namespaces, labels, annotations, RBAC rules, security context, probes, volumes, env). Normalised, and only that:
 * <ul>
 *   <li>the labels Helm's convention adds to every object's metadata ({@link #HELM_LABELS}), after checking each
 *       holds what it must (chart, Helm, the release, the app version); selectors and pod labels carry none;</li>
 *   <li>the ConfigMap's config.yaml, compared as the YAML it holds: the chart writes {@code .Values.config} with
 *       toYaml, which orders keys and drops comments;</li>
 *   <li>the Namespace, by default: {@code helm install --create-namespace} makes it (values.yaml, namespace.create,
 *       says why a chart cannot); with namespace.create the render holds it as kustomize does.</li>
 * </ul>
 */
class HelmChartTest {
    static final Path CHART = Path.of("charts/egress-probe");
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    static final List<String> HELM_LABELS = List.of("helm.sh/chart", "app.kubernetes.io/managed-by",
            "app.kubernetes.io/instance", "app.kubernetes.io/version");

    @TempDir
    Path tmp;

    @Test
    void shouldPassAStrictLint() {
        LintResult lint = new Helm(CHART).lint().strict().call();

        assertThat(lint.isFailed()).as("%s", lint.getMessages()).isFalse();
        assertThat(lint.getMessages()).noneMatch(m -> m.contains("[WARNING]") || m.contains("[ERROR]"));
    }

    @Test
    void shouldRenderByDefaultWhatTheKustomizeInstallRenders() throws Exception {
        Map<String, JsonNode> kustomize = kustomize("k8s");
        Map<String, JsonNode> chart = helm("egress-probe", "egress-probe", "{}");

        Map<String, JsonNode> withoutNamespace = new TreeMap<>(kustomize);
        assertThat(withoutNamespace.remove("Namespace /egress-probe")).as("kustomize's Namespace").isNotNull();
        assertSameObjects(chart, withoutNamespace);
        assertSameObjects(helm("egress-probe", "egress-probe", "namespace: { create: true }"), kustomize);
    }

    /** Each option beside the kustomize component it stands for, then all of them together. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "monitoring                             | monitoring: { enabled: true }",
            "direct-path                            | directPath: { enabled: true }",
            "network-policy                         | networkPolicy: { enabled: true }",
            "sidecar-scope                          | sidecarScope: { enabled: true }",
            "direct-path+monitoring+network-policy  | { directPath: { enabled: true }, monitoring: { enabled: true }, networkPolicy: { enabled: true } }"})
    void shouldRenderEachOptionAsItsKustomizeComponent(String components, String values) throws Exception {
        Path dir = ManifestsTest.combination(Path.of("k8s"), List.of(components.split("\\+")));

        Map<String, JsonNode> kustomize = kustomize(dir.toString());
        kustomize.remove("Namespace /egress-probe");

        assertSameObjects(helm("egress-probe", "egress-probe", values), kustomize);
    }

    /**
     * Another namespace and release name: the chart as the README's own kustomization with {@code namespace:} and
     * k8s/transformers/namespace renders it (the mesh-config Role stays in istio-system, every binding names the
     * ServiceAccount where it now is), and ManifestsTest's checks of what must hold together.
     */
    @Test
    void shouldHoldTogetherInAnotherNamespaceUnderAnotherReleaseName() throws Exception {
        Path dir = ManifestsTest.combination(Path.of("k8s"), List.of("direct-path", "monitoring", "network-policy"));
        Path user = Files.createDirectories(dir.resolveSibling("helm-users-own-namespace"));
        Files.writeString(user.resolve("kustomization.yaml"), Files.readString(dir.resolve("kustomization.yaml"))
                + "namespace: team-payments\ntransformers:\n  - " + user.relativize(Path.of("k8s").toAbsolutePath())
                + "/transformers/namespace\n");
        String values = "{ namespace: { create: true }, directPath: { enabled: true }, monitoring: { enabled: true },"
                + " networkPolicy: { enabled: true } }";

        String rendered = template("probes", "team-payments", values);

        assertSameObjects(normalised(parse(rendered), "probes"), kustomize(user.toString()));
        List<HasMetadata> objects = new ArrayList<>();
        for (JsonNode doc : parse(rendered)) {
            objects.add(Serialization.unmarshal(YAML.writeValueAsString(doc), HasMetadata.class));
        }
        ManifestsTest.assertConsistent(objects, "team-payments", "egress-probe:0.1.0", "helm, release probes");
    }

    /** The plain Prometheus's scrape job and rule file: k8s/monitoring's, the job pointed at the release's namespace. */
    @Test
    void shouldCarryThePlainScrapeJobAndRuleFileOfK8sMonitoring() throws Exception {
        JsonNode configMap = helm("probes", "team-payments", "prometheusScrapeConfig: { enabled: true, namespace: monitoring }")
                .get("ConfigMap monitoring/egress-probe-prometheus");
        JsonNode plainJobs = YAML.readTree(Path.of("k8s/monitoring/prometheus-scrape.yml").toFile());
        ((ObjectNode) plainJobs.at("/0/kubernetes_sd_configs/0/namespaces")).putArray("names").add("team-payments");

        assertThat(configMap).as("the ConfigMap egress-probe-prometheus, in the namespace asked for").isNotNull();
        assertThat(YAML.readTree(configMap.at("/data/egress-probe-scrape.yml").asText()).get("scrape_configs"))
                .isEqualTo(plainJobs);
        assertThat(configMap.at("/data/egress-probe.rules.yml").asText())
                .isEqualTo(Files.readString(Path.of("k8s/monitoring/egress-probe.rules.yml")));
        for (String file : List.of("egress-probe.rules.yml", "prometheus-scrape.yml")) {
            assertThat(Files.readString(CHART.resolve("files").resolve(file))).as("the chart's copy of k8s/monitoring/%s", file)
                    .isEqualTo(Files.readString(Path.of("k8s/monitoring").resolve(file)));
        }
    }

    /** Every value lands where the kustomize install keeps its counterpart, in both DaemonSets. */
    @Test
    void shouldPutEveryValueWhereTheKustomizeInstallKeepsIt() throws Exception {
        Map<String, JsonNode> chart = helm("egress-probe", "egress-probe", """
                image: { repository: registry.example.com/mirror/egress-probe, tag: 9.9.9, pullPolicy: IfNotPresent }
                imagePullSecrets: [{ name: registry-credentials }]
                resources: { requests: { cpu: 200m, memory: 192Mi }, limits: { memory: 320Mi } }
                jvm: { extraOptions: [-Xmx96m] }
                nodeSelector: { kubernetes.io/os: linux }
                tolerations: [{ key: dedicated, operator: Equal, value: probes, effect: NoSchedule }]
                affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: kubernetes.io/arch, operator: In, values: [amd64] }] }] } } }
                priorityClassName: system-node-critical
                config:
                  listen: "[::]:9500"
                  targets: [{ name: identity, host: login.example.com, port: 443 }]
                  discovery: { serviceEntries: { enabled: false } }
                meshConfig: { configMaps: [istio, istio-canary] }
                directPath: { enabled: true }
                monitoring: { enabled: true, podMonitor: { labels: { release: kube-prometheus } }, prometheusRule: { labels: { release: kube-prometheus, role: alert-rules } } }
                networkPolicy: { enabled: true, prometheusNamespace: observability }
                """);

        for (String daemonSet : List.of("DaemonSet egress-probe/egress-probe", "DaemonSet egress-probe/egress-probe-direct")) {
            JsonNode pod = chart.get(daemonSet).at("/spec/template/spec");
            JsonNode container = pod.at("/containers/0");
            assertThat(container.get("image").asText()).as(daemonSet).isEqualTo("registry.example.com/mirror/egress-probe:9.9.9");
            assertThat(container.get("imagePullPolicy").asText()).isEqualTo("IfNotPresent");
            assertThat(pod.get("imagePullSecrets")).isEqualTo(YAML.readTree("[{ name: registry-credentials }]"));
            assertThat(container.get("resources")).isEqualTo(YAML.readTree("{ requests: { cpu: 200m, memory: 192Mi }, limits: { memory: 320Mi } }"));
            assertThat(container.get("command")).as("the image's entrypoint with the flag after its own")
                    .isEqualTo(YAML.readTree("[java, '@/app/jvm.options', -Xmx96m, -jar, /app/egress-probe.jar]"));
            assertThat(container.get("args")).isEqualTo(YAML.readTree("[run, --config, /etc/egress-probe/config.yaml]"));
            assertThat(pod.get("nodeSelector")).isEqualTo(YAML.readTree("{ kubernetes.io/os: linux }"));
            assertThat(pod.get("tolerations")).isEqualTo(YAML.readTree("[{ key: dedicated, operator: Equal, value: probes, effect: NoSchedule }]"));
            assertThat(pod.at("/affinity/nodeAffinity/requiredDuringSchedulingIgnoredDuringExecution/nodeSelectorTerms/0/matchExpressions/0/values/0").asText())
                    .isEqualTo("amd64");
            assertThat(pod.get("priorityClassName").asText()).isEqualTo("system-node-critical");
            assertThat(container.at("/ports/0/containerPort").asInt()).as("the port of config.listen").isEqualTo(9500);
        }
        assertThat(chart.get("DaemonSet egress-probe/egress-probe").at("/spec/template/metadata/annotations")
                .get("traffic.sidecar.istio.io/excludeInboundPorts").asText()).isEqualTo("9500");
        assertThat(chart.get("Service egress-probe/egress-probe").at("/spec/ports/0/port").asInt()).isEqualTo(9500);
        JsonNode policy = chart.get("NetworkPolicy egress-probe/egress-probe-scrape-only").at("/spec/ingress/0");
        assertThat(policy.at("/ports/0/port").asInt()).isEqualTo(9500);
        assertThat(policy.at("/from/0/namespaceSelector/matchLabels").get("kubernetes.io/metadata.name").asText()).isEqualTo("observability");
        assertThat(chart.get("Role istio-system/egress-probe-mesh-config").at("/rules/0/resourceNames"))
                .isEqualTo(YAML.readTree("[istio, istio-canary]"));
        assertThat(chart.get("PodMonitor egress-probe/egress-probe").at("/metadata/labels/release").asText()).isEqualTo("kube-prometheus");
        JsonNode ruleLabels = chart.get("PrometheusRule egress-probe/egress-probe").at("/metadata/labels");
        assertThat(ruleLabels.get("release").asText()).isEqualTo("kube-prometheus");
        assertThat(ruleLabels.get("role").asText()).isEqualTo("alert-rules");

        ProbeConfig config = ConfigParser.parse(YAML.writeValueAsString(
                chart.get("ConfigMap egress-probe/egress-probe-config").at("/data/config.yaml")));
        assertThat(config.targets()).as("the daemon's own parser reads the merged config").singleElement()
                .satisfies(t -> assertThat(t.host()).isEqualTo("login.example.com"));
        assertThat(config.discovery().serviceEntriesEnabled()).isFalse();
        assertThat(config.listen().port()).isEqualTo(9500);
        ObjectNode merged = (ObjectNode) YAML.readTree(CHART.resolve("values.yaml").toFile()).get("config");
        merged.put("listen", "[::]:9500").set("targets", YAML.readTree("[{ name: identity, host: login.example.com, port: 443 }]"));
        ((ObjectNode) merged.at("/discovery/serviceEntries")).put("enabled", false);
        assertThat(chart.get("ConfigMap egress-probe/egress-probe-config").at("/data/config.yaml"))
                .as("the chart's config with the three keys set, every other kept").isEqualTo(merged);
    }

    /** A wrong value stops {@code helm install} (and template) before anything is sent, naming the value and why. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "resources: { requests: { cpu: -50m } }       | at '/resources/requests/cpu'  | '-50m' does not match pattern",
            "resources: { limits: { memory: -1 } }        | at '/resources/limits/memory' | minimum: got -1, want 0",
            "replicas: 3                                  | at ''                         | additional properties 'replicas' not allowed",
            "image: { pullPolicy: Sometimes }             | at '/image/pullPolicy'        | value must be one of '', 'Always', 'IfNotPresent', 'Never'",
            "jvm: { extraOptions: [Xmx96m] }              | at '/jvm/extraOptions/0'      | 'Xmx96m' does not match pattern",
            "monitoring: { enable: true }                 | at '/monitoring'              | additional properties 'enable' not allowed",
            "config: { listen: 0.0.0.0 }                  | at '/config/listen'           | '0.0.0.0' does not match pattern",
            "networkPolicy: { prometheusNamespace: Mon }  | at '/networkPolicy/prometheusNamespace' | 'Mon' does not match pattern"})
    void shouldRejectAWrongValueNamingIt(String values, String where, String why) throws Exception {
        Path file = valuesFile(values);

        assertThatThrownBy(() -> new Helm(CHART).install().withName("egress-probe").withNamespace("egress-probe")
                .clientOnly().dryRun().withValuesFile(file).call())
                .as("helm install").hasMessageContaining("values don't meet the specifications of the schema")
                .hasMessageContaining(where).hasMessageContaining(why);
        assertThatThrownBy(() -> new Helm(CHART).template().withName("egress-probe").withValuesFile(file).call())
                .as("helm template").hasMessageContaining(where).hasMessageContaining(why);
    }

    // ---- rendering and comparing

    String template(String release, String namespace, String values) throws IOException {
        return new Helm(CHART).template().withName(release).withNamespace(namespace).withValuesFile(valuesFile(values)).call();
    }

    Map<String, JsonNode> helm(String release, String namespace, String values) throws IOException {
        return normalised(parse(template(release, namespace, values)), release);
    }

    Path valuesFile(String values) throws IOException {
        return Files.writeString(Files.createTempFile(tmp, "values", ".yaml"), values);
    }

    static Map<String, JsonNode> kustomize(String dir) throws IOException, InterruptedException {
        return normalised(parse(io.egressprobe.testing.Kustomize.text(dir)), null);
    }

    static List<JsonNode> parse(String yaml) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = YAML.createParser(yaml)) {
            for (Iterator<JsonNode> it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        }
        return docs;
    }

    /**
     * The objects by "Kind namespace/name", with Helm's labels checked and taken off (release given: Helm's render)
     * and config.yaml parsed.
     */
    static Map<String, JsonNode> normalised(List<JsonNode> docs, String release) throws IOException {
        Map<String, JsonNode> objects = new TreeMap<>();
        for (JsonNode doc : docs) {
            ObjectNode object = doc.deepCopy();
            String key = object.get("kind").asText() + " " + object.at("/metadata/namespace").asText("") + "/"
                    + object.at("/metadata/name").asText();
            if (release != null) {
                ObjectNode labels = (ObjectNode) object.at("/metadata/labels");
                assertThat(labels.path("helm.sh/chart").asText()).as(key).isEqualTo("egress-probe-0.1.0");
                assertThat(labels.path("app.kubernetes.io/managed-by").asText()).as(key).isEqualTo("Helm");
                assertThat(labels.path("app.kubernetes.io/instance").asText()).as(key).isEqualTo(release);
                assertThat(labels.path("app.kubernetes.io/version").asText()).as(key).isEqualTo("0.1.0");
                labels.remove(HELM_LABELS);
            }
            if (key.endsWith("/egress-probe-config") && object.at("/data/config.yaml").isTextual()) {
                ((ObjectNode) object.get("data")).set("config.yaml", YAML.readTree(object.at("/data/config.yaml").asText()));
            }
            assertThat(objects.put(key, object)).as("one %s", key).isNull();
        }
        return objects;
    }

    /** The same objects, field for field; a failure lists each field that differs, by JSON pointer. */
    static void assertSameObjects(Map<String, JsonNode> chart, Map<String, JsonNode> kustomize) {
        assertThat(chart.keySet()).as("the chart's objects against kustomize's").containsExactlyInAnyOrderElementsOf(kustomize.keySet());
        List<String> differences = new ArrayList<>();
        kustomize.forEach((key, expected) -> differ(key, "", chart.get(key), expected, differences));
        assertThat(differences).as("fields where the chart differs from kustomize").isEmpty();
    }

    static void differ(String key, String pointer, JsonNode actual, JsonNode expected, List<String> out) {
        if (actual != null && expected != null && actual.isContainerNode() && actual.getNodeType() == expected.getNodeType()
                && (actual.isObject() || actual.size() == expected.size())) {
            TreeSet<String> fields = new TreeSet<>();
            if (actual.isObject()) {
                actual.fieldNames().forEachRemaining(fields::add);
                expected.fieldNames().forEachRemaining(fields::add);
                fields.forEach(f -> differ(key, pointer + "/" + f, actual.get(f), expected.get(f), out));
            } else {
                for (int i = 0; i < actual.size(); i++) {
                    differ(key, pointer + "/" + i, actual.get(i), expected.get(i), out);
                }
            }
        } else if (actual == null || !actual.equals(expected)) {
            out.add(key + " " + pointer + ": chart " + actual + ", kustomize " + expected);
        }
    }
}
