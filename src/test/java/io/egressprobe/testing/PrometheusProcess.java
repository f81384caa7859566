package io.egressprobe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;

/** Debian's Prometheus on a loopback port, scraping every second and evaluating the shipped rules. */
public final class PrometheusProcess implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private final Process process;
    private final int port;

    private final Path log;

    private PrometheusProcess(Process process, int port, Path log) {
        this.process = process;
        this.port = port;
        this.log = log;
    }

    /** What it logged, for a test's failure message. */
    public String log() {
        try {
            return Files.readString(log);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "SKIPPED: " + BINARY + " is missing (apt-get install prometheus)");
    }

    /**
     * @param staticConfigs the {@code static_configs} entries of the one job, {@code egress-probe}, indented for it;
     *                      {@code exported_node} is dropped as the PodMonitor does
     */
    public static PrometheusProcess start(Path dir, String staticConfigs) throws IOException {
        return start(dir, staticConfigs, Optional.empty());
    }

    /** As {@link #start(Path, String)}, sending its alerts to the Alertmanager on {@code alertmanagerPort}. */
    public static PrometheusProcess start(Path dir, String staticConfigs, Optional<Integer> alertmanagerPort) throws IOException {
        String alerting = alertmanagerPort.map(p -> "alerting: { alertmanagers: [ { static_configs: [ { targets: [ \"127.0.0.1:"
                + p + "\" ] } ] } ] }\n").orElse("");
        return launch(dir, alerting, """
                  - job_name: egress-probe
                    metric_relabel_configs:
                      - { action: labeldrop, regex: exported_node }
                    static_configs:
                %s""".formatted(staticConfigs));
    }

    /**
     * As {@link #start(Path, String, Optional)}, with {@code external_labels} as the Prometheus Operator sets them
     * ({@code prometheus="<ns>/<name>"}, and what users add): Prometheus adds them to every alert it sends.
     */
    public static PrometheusProcess startWithExternalLabels(Path dir, String staticConfigs, int alertmanagerPort,
                                                            Map<String, String> externalLabels) throws IOException {
        StringBuilder labels = new StringBuilder();
        externalLabels.forEach((k, v) -> labels.append(labels.length() == 0 ? "" : ", ").append(k).append(": \"")
                .append(v).append('"'));
        return launch(dir, "alerting: { alertmanagers: [ { static_configs: [ { targets: [ \"127.0.0.1:" + alertmanagerPort
                + "\" ] } ] } ] }\n", """
                  - job_name: egress-probe
                    metric_relabel_configs:
                      - { action: labeldrop, regex: exported_node }
                    static_configs:
                %s""".formatted(staticConfigs), List.of(), "external_labels: { " + labels + " }");
    }

    /** With {@code scrapeConfigs} as the whole of its {@code scrape_configs} (a YAML list, not indented). */
    public static PrometheusProcess startWithScrapeConfigs(Path dir, String scrapeConfigs) throws IOException {
        return launch(dir, "", scrapeConfigs.indent(2));
    }

    /** As {@link #startWithScrapeConfigs}, with {@code --enable-feature=FEATURE} (such as {@code native-histograms}). */
    public static PrometheusProcess startWithFeature(Path dir, String feature, String scrapeConfigs) throws IOException {
        return launch(dir, "", scrapeConfigs.indent(2), List.of("--enable-feature=" + feature));
    }

    private static PrometheusProcess launch(Path dir, String alerting, String scrapeConfigs) throws IOException {
        return launch(dir, alerting, scrapeConfigs, List.of());
    }

    private static PrometheusProcess launch(Path dir, String alerting, String scrapeConfigs, List<String> flags)
            throws IOException {
        return launch(dir, alerting, scrapeConfigs, flags, "");
    }

    private static PrometheusProcess launch(Path dir, String alerting, String scrapeConfigs, List<String> flags,
                                            String globalExtra) throws IOException {
        assumeInstalled();
        int port = RawServers.closedPort();
        Files.writeString(dir.resolve("prometheus.yml"), alerting + """
                global: { scrape_interval: 1s, evaluation_interval: 1s%s }
                rule_files: [ "%s" ]
                scrape_configs:
                %s""".formatted(globalExtra.isEmpty() ? "" : ", " + globalExtra,
                Path.of("k8s/monitoring/egress-probe.rules.yml").toAbsolutePath(), scrapeConfigs));
        List<String> command = new ArrayList<>(List.of(BINARY.toString(), "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("tsdb"), "--web.listen-address=127.0.0.1:" + port));
        command.addAll(flags);
        Process p = new ProcessBuilder(command)
                .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
        return new PrometheusProcess(p, port, dir.resolve("prometheus.log"));
    }

    /** One static_configs entry: a daemon as the PodMonitor labels it on {@code node}. */
    public static String scrapeTarget(int daemonPort, String node) {
        return "      - targets: [ \"127.0.0.1:%d\" ]\n        labels: { namespace: egress-probe, node: %s, instance: %s }\n"
                .formatted(daemonPort, node, node);
    }

    /** The result of an instant query; throws when Prometheus cannot parse it. */
    public List<JsonNode> query(String query) throws IOException, InterruptedException {
        var response = Http.get(port, "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8));
        JsonNode body = JSON.readTree(response.body());
        if (!body.path("status").asText().equals("success")) {
            throw new IllegalStateException(query + ": " + response.body());
        }
        List<JsonNode> values = new ArrayList<>();
        body.at("/data/result").forEach(values::add);
        return values;
    }

    /** Its alerts of that name, in that state ({@code pending} or {@code firing}; null for both). */
    public List<JsonNode> alerts(String name, String state) throws IOException, InterruptedException {
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(Http.get(port, "/api/v1/alerts").body()).at("/data/alerts").forEach(a -> {
            if (a.at("/labels/alertname").asText().equals(name) && (state == null || a.get("state").asText().equals(state))) {
                found.add(a);
            }
        });
        return found;
    }

    /** The sum of one of Prometheus's own counters over its label sets, from its own /metrics. */
    public double ownCounter(String name) throws IOException, InterruptedException {
        return PrometheusText.sum(PrometheusText.parse(Http.get(port, "/metrics").body()), name, Map.of());
    }

    @Override
    public void close() {
        Stop.process(process);
    }
}
