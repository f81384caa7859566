package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.Running;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Sidecar;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The install without the operator, as a user's Prometheus runs it: the shipped scrape job
 * ({@code k8s/monitoring/prometheus-scrape.yml}) in a real Prometheus (Debian), its relabelling and metric
 * relabelling as shipped, scraping two pods of one node: the sidecar DaemonSet's and the direct-path one's. Two
 * scrape targets, and no series of one pod is a series of the other.
 *
 * <p>Debian's Prometheus is built without Kubernetes service discovery ({@code kubernetes_sd_configs} is unknown to
 * it), so the job's discovery is replaced by static targets carrying the meta labels the pod role gives each
 * container port (Prometheus' {@code kubernetes_sd_config} documentation), and a pod of another app beside them.
 */
class PlainPrometheusScrapeIT {
    static final String NAMESPACE = "egress-probe";
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    @TempDir
    Path dir;
    final Running running = new Running();

    @AfterEach
    void tearDown() throws Exception {
        running.stop();
    }

    @Test
    void shouldScrapeBothPodsOfANodeAsTwoTargetsWhoseSeriesNeverCollide() throws Exception {
        PrometheusProcess.assumeInstalled();
        TestPki pki = new TestPki(dir);
        TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        running.add(server);
        Sidecar sidecar = Sidecar.start(server.port(), "identity.test", () -> 0);
        running.add(sidecar);
        RunningDaemon withSidecar = daemon("sidecar", sidecar.config() + """
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem }, envoyConnectTimeout: 1s }
                """.formatted(sidecar.port()));
        RunningDaemon direct = daemon("direct", """
                mode: direct
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem }, envoyConnectTimeout: 1s }
                """.formatted(server.port()));
        PrometheusProcess prometheus = PrometheusProcess.startWithScrapeConfigs(dir, shippedScrapeJob(List.of(
                pod("egress-probe-abcde", "egress-probe", "http-metrics", withSidecar.port()),
                pod("egress-probe-abcde", "egress-probe", "http-envoy-prom", server.port()),
                pod("egress-probe-direct-fghij", "egress-probe-direct", "http-metrics", direct.port()))));
        running.add(prometheus);

        try {
            await("both pods scraped").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                    .until(() -> instances(prometheus.query("up{job=\"egress-probe\"} == 1"))
                            .equals(Set.of("node-0/egress-probe", "node-0/egress-probe-direct")));
        } catch (ConditionTimeoutException e) {
            throw new AssertionError(prometheus.log(), e);
        }
        await("each pod's window").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> prometheus.query("egress_probe_attempts_total{node=\"node-0\",result=\"success\"} > 0").size() == 2);

        List<JsonNode> series = prometheus.query("{job=\"egress-probe\",node=\"node-0\",__name__=~\"egress_probe_.+|process_.+|jvm_.+\"}");
        assertThat(series).as("the two pods' series").hasSizeGreaterThan(40);
        // Aggregation drops the metric's name: it is copied into a label first, so that only series equal in name and in
        // every label but instance are counted together.
        List<JsonNode> collisions = prometheus.query("count without (instance) (label_replace({job=\"egress-probe\","
                + "node=\"node-0\",__name__=~\"egress_probe_.+|process_.+|jvm_.+\"}, \"name\", \"$1\", \"__name__\", \"(.+)\")) > 1");
        assertThat(collisions).as("series the two pods of a node share but for instance").isEmpty();
        assertThat(series).as("every series of theirs carries its pod's path")
                .allSatisfy(s -> assertThat(s.at("/metric/path").asText()).isIn("sidecar", "direct"));
        assertThat(prometheus.query("egress_probe_attempts_total{node=\"node-0\",namespace=\"egress-probe\"}"))
                .as("the node and namespace labels the rules and the dashboard select by").isNotEmpty();
        assertThat(prometheus.query("node_target_host_path_alertname:egress_probe_alert_level:max{node=\"node-0\"}"))
                .extracting(s -> s.at("/metric/path").asText()).as("the node rules join each pod's levels on its path")
                .contains("sidecar", "direct");
    }

    RunningDaemon daemon(String name, String rest) throws Exception {
        Path config = dir.resolve(name + ".yaml");
        Files.writeString(config, "listen: 127.0.0.1:0\ndefaults: { interval: 200ms, probeTimeout: 3s }\n" + rest);
        RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST, "node-0");
        running.add(daemon);
        return daemon;
    }

    /**
     * One container port of a running pod of the DaemonSet {@code daemonSet} on node-0, as the pod role discovers it,
     * at 127.0.0.1:port.
     */
    static Map<String, Object> pod(String name, String daemonSet, String portName, int port) {
        return Map.of("targets", List.of("127.0.0.1:" + port), "labels", Map.of(
                "__meta_kubernetes_namespace", NAMESPACE,
                "__meta_kubernetes_pod_name", name,
                "__meta_kubernetes_pod_node_name", "node-0",
                "__meta_kubernetes_pod_phase", "Running",
                "__meta_kubernetes_pod_controller_kind", "DaemonSet",
                "__meta_kubernetes_pod_controller_name", daemonSet,
                "__meta_kubernetes_pod_container_port_name", portName,
                "__meta_kubernetes_pod_label_app_kubernetes_io_name", "egress-probe"));
    }

    /** The shipped job with {@code discovered} in place of its Kubernetes discovery, scraping every second. */
    static String shippedScrapeJob(List<Map<String, Object>> discovered) throws Exception {
        ArrayNode jobs = (ArrayNode) YAML.readTree(Path.of("k8s/monitoring/prometheus-scrape.yml").toFile());
        ObjectNode job = (ObjectNode) jobs.get(0);
        assertThat(job.at("/kubernetes_sd_configs/0/role").asText()).isEqualTo("pod");
        job.remove("kubernetes_sd_configs");
        job.put("scrape_interval", "1s");
        job.set("static_configs", YAML.valueToTree(discovered));
        return YAML.writeValueAsString(jobs).replaceFirst("^---\\n", "");
    }

    static Set<String> instances(List<JsonNode> series) {
        Set<String> found = new TreeSet<>();
        series.forEach(s -> found.add(s.at("/metric/instance").asText()));
        return found;
    }
}
