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
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** What {@code kubectl kustomize k8s/} renders, read through fabric8's typed model. */
class ManifestsTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<HasMetadata> render(String dir) throws IOException, InterruptedException {
        Path kubectl = Path.of("/usr/bin/kubectl");
        Assumptions.assumeTrue(Files.isExecutable(kubectl), "SKIPPED: kubectl is missing (apt-get install kubernetes-client)");
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s", dir).isZero();
        List<HasMetadata> docs = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (!doc.isBlank()) {
                docs.add(Serialization.unmarshal(doc, HasMetadata.class));
            }
        }
        return docs;
    }

    static <T> T one(List<HasMetadata> docs, Class<T> type, String name) {
        return docs.stream().filter(type::isInstance).map(type::cast)
                .filter(d -> ((HasMetadata) d).getMetadata().getName().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name));
    }

    @Test
    void shouldRenderEveryDocumentIntoTheTypedModel() throws Exception {
        List<HasMetadata> docs = render("k8s");

        assertThat(docs).extracting(HasMetadata::getKind).containsExactlyInAnyOrder("Namespace", "ServiceAccount",
                "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "Role", "RoleBinding", "ConfigMap", "DaemonSet",
                "Service", "PodMonitor", "PrometheusRule");
        assertThat(docs).filteredOn(d -> !(d instanceof GenericKubernetesResource)).extracting(HasMetadata::getKind)
                .as("built-in kinds parse into their own classes").doesNotContain("PodMonitor", "PrometheusRule").hasSize(11);
        assertThat(docs).filteredOn(d -> !d.getKind().startsWith("Cluster") && !d.getKind().equals("Namespace"))
                .allSatisfy(d -> assertThat(d.getMetadata().getNamespace()).isIn("egress-probe", "istio-system"));
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
        buckets.fields().next().getValue().forEach(b -> bounds.add(b.asInt()));
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

    /** Each rule is one (apiGroup, resource, verb) the code calls; README lists them. */
    @Test
    void shouldGrantExactlyWhatTheCodeCalls() throws Exception {
        List<HasMetadata> docs = render("k8s");
        Set<String> granted = new TreeSet<>();
        for (HasMetadata d : docs) {
            List<PolicyRule> rules = d instanceof ClusterRole cr ? cr.getRules() : d instanceof Role r ? r.getRules() : List.of();
            String scope = d instanceof ClusterRole ? "cluster" : d.getMetadata().getNamespace();
            for (PolicyRule rule : rules) {
                for (String resource : rule.getResources()) {
                    for (String verb : rule.getVerbs()) {
                        String names = rule.getResourceNames() == null || rule.getResourceNames().isEmpty() ? ""
                                : rule.getResourceNames().toString();
                        granted.add(scope + " " + rule.getApiGroups().get(0) + "/" + resource + names + " " + verb);
                    }
                }
            }
        }

        assertThat(granted).containsExactlyInAnyOrder(
                "cluster networking.istio.io/destinationrules list",
                "cluster networking.istio.io/serviceentries list",
                "cluster networking.istio.io/serviceentries watch",
                "cluster /nodes get",
                "istio-system /configmaps[istio] get",
                "egress-probe /events create",
                "egress-probe /events get",
                "egress-probe /events patch",
                "egress-probe /pods get");
    }

    @Test
    void shouldShipConfigsThatPassValidation() throws Exception {
        ProbeConfig base = ConfigParser.parse(one(render("k8s"), ConfigMap.class, "egress-probe-config").getData().get("config.yaml"));
        ProbeConfig direct = ConfigParser.parse(one(render("k8s/overlays/direct"), ConfigMap.class, "egress-probe-direct-config")
                .getData().get("config.yaml"));

        assertThat(base.mode()).isEqualTo(Mode.AUTO);
        assertThat(base.discovery().serviceEntriesEnabled()).isTrue();
        assertThat(direct.mode()).isEqualTo(Mode.DIRECT);
        assertThat(direct.defaults()).isEqualTo(base.defaults());
        assertThat(direct.discovery()).isEqualTo(base.discovery());
    }

    @Test
    void shouldRunTheDirectOverlayWithoutASidecar() throws Exception {
        DaemonSet ds = one(render("k8s/overlays/direct"), DaemonSet.class, "egress-probe-direct");

        assertThat(ds.getSpec().getTemplate().getMetadata().getLabels()).containsEntry("sidecar.istio.io/inject", "false");
        assertThat(ds.getSpec().getSelector().getMatchLabels()).containsEntry("app.kubernetes.io/component", "direct-path");
        assertThat(ds.getSpec().getTemplate().getSpec().getVolumes()).anySatisfy(v ->
                assertThat(v.getConfigMap() == null ? "" : v.getConfigMap().getName()).isEqualTo("egress-probe-direct-config"));
    }

    @Test
    void shouldAdmitOnlyTheMonitoringNamespaceToTheProbesPortInTheOptionalOverlay() throws Exception {
        var policy = one(render("k8s/overlays/network-policy"), io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy.class,
                "egress-probe-scrape-only");

        assertThat(policy.getSpec().getPolicyTypes()).containsExactly("Ingress");
        assertThat(policy.getSpec().getIngress()).singleElement().satisfies(rule -> {
            assertThat(rule.getFrom()).singleElement().satisfies(peer -> assertThat(peer.getNamespaceSelector().getMatchLabels())
                    .containsEntry("kubernetes.io/metadata.name", "monitoring"));
            assertThat(rule.getPorts()).singleElement().satisfies(p -> assertThat(p.getPort().getIntVal()).isEqualTo(9478));
        });
    }

    @Test
    void shouldScrapeOncePerNodeWithSeriesThatSurviveARolloutAndAPortOutsideTheSidecar() throws Exception {
        List<HasMetadata> docs = render("k8s");
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
        GenericKubernetesResource rule = render("k8s").stream().filter(d -> d.getKind().equals("PrometheusRule"))
                .map(GenericKubernetesResource.class::cast).findFirst().orElseThrow();
        JsonNode fromK8s = new ObjectMapper().valueToTree(rule.getAdditionalProperties().get("spec")).get("groups");
        JsonNode plain = YAML.readTree(Files.readString(Path.of("k8s/monitoring/egress-probe.rules.yml"))).get("groups");

        assertThat(fromK8s).isEqualTo(plain);
    }
}
