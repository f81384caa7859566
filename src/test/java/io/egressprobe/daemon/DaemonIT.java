package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.probe.TlsEngine;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText.Family;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import java.io.IOException;
import java.net.InetAddress;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon in-process against real loopback TLS servers, observed only through its HTTP port. */
class DaemonIT {
    @TempDir
    Path dir;
    TestPki pki;
    IssuedCertificate cert;
    TlsTargetServer identity;
    TlsTargetServer payments;
    int closedPort;
    Path configFile;
    RunningDaemon daemon;
    int port;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki(dir);
        cert = pki.valid();
        identity = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, cert, () -> 0, 200);
        payments = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, cert, () -> 30, 200);
        closedPort = RawServers.closedPort();
        configFile = dir.resolve("config.yaml");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        identity.close();
        payments.close();
    }

    String config(String targets) {
        return """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: 200ms, probeTimeout: 2s, envoyConnectTimeout: 1s, window: 1m }
                targets:
                """ + targets;
    }

    String target(String name, int port, String extra) {
        return "  - { name: %s, host: identity.test, port: %d, tls: { caFile: ca.pem }%s }\n".formatted(name, port, extra);
    }

    void startDaemon(String yaml, long pollMillis) throws Exception {
        Files.writeString(configFile, yaml);
        daemon = RunningDaemon.start(configFile,
                new Intervals(Duration.ofMillis(pollMillis), Duration.ofSeconds(1), Duration.ofSeconds(30)));
        port = daemon.port();
    }

    Map<String, Family> scrape() throws Exception {
        var response = Http.get(port, "/metrics");
        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        return PrometheusText.parse(response.body());
    }

    static double attempts(Map<String, Family> m, String target, String result) {
        return PrometheusText.value(m, "egress_probe_attempts_total", "egress_probe_attempts_total",
                Map.of("target", target, "result", result)).orElse(0.0);
    }

    static Set<String> targetsIn(Map<String, Family> m) {
        return m.values().stream().filter(f -> f.name().startsWith("egress_probe_"))
                .flatMap(f -> f.samples().stream()).map(s -> s.labels().get("target"))
                .filter(java.util.Objects::nonNull).collect(Collectors.toCollection(TreeSet::new));
    }

    @Test
    void shouldServeEveryDirectPathMetricWithItsNameTypeAndLabels() throws Exception {
        startDaemon(config(target("identity", identity.port(), ", http: { path: /healthz }")
                + target("payments", payments.port(), "") + target("down", closedPort, "")), 60_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            Map<String, Family> m = scrape();
            return attempts(m, "identity", "success") >= 3 && attempts(m, "payments", "success") >= 3
                    && attempts(m, "down", "failure") >= 3;
        });

        Map<String, Family> m = scrape();

        Family upstream = m.get("egress_probe_upstream_connect_seconds");
        assertThat(upstream.type()).isEqualTo("histogram");
        assertThat(upstream.withLabel("target", "identity")).isNotEmpty().allSatisfy(s -> assertThat(s.labels()).containsEntry("path", "direct"));
        Set<String> les = upstream.samples().stream().map(s -> s.labels().get("le")).filter(java.util.Objects::nonNull)
                .map(le -> Double.toString(le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le)))
                .collect(Collectors.toSet());
        assertThat(les).contains("0.25", "0.5", "0.8", "0.9", "1.0", "1.1", "2.0", "3.0", "5.0", "10.0", "Infinity");
        assertThat(m).as("phase histograms are opt-in").doesNotContainKey("egress_probe_phase_seconds");
        assertThat(m.keySet()).as("no _max series").noneMatch(name -> name.endsWith("_max"));
        Family window = m.get("egress_probe_upstream_connect_window_seconds");
        assertThat(window.type()).isEqualTo("summary");
        assertThat(window.withLabel("target", "identity")).extracting(s -> s.name() + s.labels().getOrDefault("quantile", ""))
                .containsExactlyInAnyOrder("egress_probe_upstream_connect_window_seconds0.5",
                        "egress_probe_upstream_connect_window_seconds0.9", "egress_probe_upstream_connect_window_seconds0.99",
                        "egress_probe_upstream_connect_window_seconds0.999", "egress_probe_upstream_connect_window_seconds_count",
                        "egress_probe_upstream_connect_window_seconds_sum");
        assertThat(PrometheusText.value(m, "egress_probe_upstream_connect_window_seconds",
                "egress_probe_upstream_connect_window_seconds_count", Map.of("target", "identity", "path", "direct")))
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(3));
        Family slow = m.get("egress_probe_upstream_connect_slow_total");
        assertThat(slow.type()).isEqualTo("counter");
        assertThat(slow.withLabel("target", "identity")).extracting(s -> s.labels().get("fraction"))
                .containsExactlyInAnyOrder("0.5", "0.8", "1");
        Family lag = m.get("egress_probe_schedule_lag_seconds");
        assertThat(lag.type()).isEqualTo("histogram");
        assertThat(PrometheusText.value(m, "egress_probe_schedule_lag_seconds", "egress_probe_schedule_lag_seconds_count", Map.of()))
                .as("every attempt's start is measured, over all targets in one series")
                .hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(9));
        assertThat(m.get("egress_probe_attempts_total").type()).isEqualTo("counter");
        assertThat(m.get("egress_probe_failures_total").type()).isEqualTo("counter");
        assertThat(PrometheusText.value(m, "egress_probe_failures_total", "egress_probe_failures_total",
                Map.of("target", "down", "reason", "refused"))).hasValueSatisfying(v -> assertThat(v).isGreaterThanOrEqualTo(3));
        assertThat(m.get("egress_probe_envoy_connect_timeout_seconds").withLabel("target", "identity"))
                .singleElement().satisfies(s -> {
                    assertThat(s.labels()).containsEntry("source", "config");
                    assertThat(s.value()).isEqualTo(1.0);
                });
        assertThat(m.get("egress_probe_alert_level").withLabel("target", "identity")).extracting(s -> s.labels().get("alertname"))
                .containsExactlyInAnyOrder("EgressConnectLatencyNearTimeout", "EgressConnectTimeouts", "EgressTargetFailing");
        for (String gauge : List.of("egress_probe_timeout_utilization_ratio", "egress_probe_timeout_exceeded_ratio",
                "egress_probe_recommended_connect_timeout_seconds", "egress_probe_tls_cert_earliest_expiry_timestamp_seconds",
                "egress_probe_target_info", "egress_probe_config_last_reload_successful",
                "egress_probe_config_last_reload_success_timestamp_seconds", "egress_probe_build_info")) {
            assertThat(m.get(gauge)).as(gauge).isNotNull().extracting(Family::type).isEqualTo("gauge");
        }
        assertThat(m.get("egress_probe_build_info").samples()).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsKeys("version", "revision", "java", "transport"));
        assertThat(m.get("egress_probe_syn_retransmit_suspected_total").type()).isEqualTo("counter");
        assertThat(m.get("egress_probe_build_info").samples()).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("transport", "epoll"));
        assertThat(PrometheusText.value(m, "egress_probe_syn_retransmits_total", "egress_probe_syn_retransmits_total",
                Map.of("target", "identity", "path", "direct"))).as("the kernel's count: nothing lost on loopback").contains(0.0);
        assertThat(m.get("egress_probe_syn_retransmits_total").withLabel("target", "down"))
                .as("refused: the kernel never reported a completed connect").isEmpty();
        JsonNode paymentsStatus = targetStatus("payments");
        assertThat(paymentsStatus.get("transport").asText()).isEqualTo("epoll");
        assertThat(paymentsStatus.get("connectSource").asText()).isEqualTo("tcp_info");
        assertThat(paymentsStatus.at("/window/synLosses/source").asText()).isEqualTo("tcp_info");
        assertThat(paymentsStatus.at("/window/synLosses/outOf").asInt()).isGreaterThanOrEqualTo(3);
        // A loopback connect plus two lost SYNs needs 3 s, or just over where a loaded machine's p99 passes 0.5 ms
        // (WindowStatisticsTest has the rule itself).
        assertThat(m.get("egress_probe_recommended_connect_timeout_seconds").withLabel("target", "identity"))
                .singleElement().extracting(PrometheusText.Sample::value).isIn(3.0, 5.0);
        assertThat(m.get("egress_probe_tls_cert_earliest_expiry_timestamp_seconds").withLabel("target", "identity"))
                .singleElement().extracting(PrometheusText.Sample::value)
                .isEqualTo((double) cert.certificate().getNotAfter().toInstant().getEpochSecond());
        assertThat(m.get("egress_probe_target_info").withLabel("target", "payments")).singleElement()
                .satisfies(s -> assertThat(s.labels()).containsEntry("host", "identity.test")
                        .containsEntry("port", Integer.toString(payments.port())).containsEntry("sni", "identity.test")
                        .containsEntry("path", "direct").containsKey("cluster"));
        assertThat(m.get("egress_probe_config_last_reload_successful").samples()).singleElement()
                .as("the pod's own series carry its path only").satisfies(s -> assertThat(s.labels()).containsExactly(Map.entry("path", "direct")));
        assertThat(m.keySet()).as("the minimal runtime meters, and no Vert.x ones")
                .contains("process_cpu_seconds_total", "process_start_time_seconds", "jvm_memory_used_bytes",
                        "jvm_threads_live_threads")
                .noneMatch(name -> name.startsWith("vertx_"));
        assertThat(m.values().stream().flatMap(f -> f.samples().stream()).flatMap(s -> s.labels().values().stream()))
                .as("no addresses in label values").noneMatch(v -> v.matches(".*\\d+\\.\\d+\\.\\d+\\.\\d+.*"));
        // The series budget (README "Metrics"): every pod exports every target, so each series is paid once per node.
        assertThat(seriesOf(m, "identity")).as("series of a target with an HTTP check").isLessThanOrEqualTo(50);
        assertThat(seriesOf(m, "payments")).as("series of a target").isLessThanOrEqualTo(50);
        assertThat(m.values().stream().flatMap(f -> f.samples().stream()).filter(s -> !s.labels().containsKey("target")).count())
                .as("series of the pod itself").isLessThanOrEqualTo(40);
        Promtool.checkMetrics(Http.get(port, "/metrics").body());
    }

    JsonNode targetStatus(String name) throws Exception {
        for (JsonNode t : new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets")) {
            if (t.get("name").asText().equals(name)) {
                return t;
            }
        }
        throw new AssertionError("no target " + name);
    }

    static long seriesOf(Map<String, Family> m, String target) {
        return m.values().stream().flatMap(f -> f.samples().stream()).filter(s -> target.equals(s.labels().get("target"))).count();
    }

    @Test
    void shouldAddThePhaseHistogramsAndTheRuntimeBindersWhenTheConfigAsks() throws Exception {
        startDaemon(config(target("identity", identity.port(), ", http: { path: /healthz }") + target("payments", payments.port(), ""))
                + "metrics: { phaseHistograms: true, runtime: full }\n", 60_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(scrape(), "payments", "success") >= 2);

        Map<String, Family> m = scrape();
        Family phases = m.get("egress_probe_phase_seconds");
        assertThat(phases.type()).isEqualTo("histogram");
        assertThat(phases.withLabel("target", "identity").stream().map(s -> s.labels().get("phase")).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder("dns", "connect", "tls", "request", "total");
        assertThat(phases.withLabel("target", "payments").stream().map(s -> s.labels().get("phase")).collect(Collectors.toSet()))
                .as("no request phase without an HTTP check").containsExactlyInAnyOrder("dns", "connect", "tls", "total");
        assertThat(m.keySet()).as("JVM, process and Vert.x meters share the registry")
                .contains("jvm_memory_used_bytes", "process_cpu_usage")
                .anyMatch(name -> name.startsWith("vertx_"));
        Promtool.checkMetrics(Http.get(port, "/metrics").body(), "egress_probe");
    }

    @Test
    void shouldGzipTheScrapeWhenAskedAsPrometheusDoes() throws Exception {
        startDaemon(config(target("identity", identity.port(), "")), 60_000);
        await().atMost(Duration.ofSeconds(30)).until(() -> attempts(scrape(), "identity", "success") >= 1);

        // HTTP/1.1, as Prometheus scrapes (testing/Http says why not the JDK's h2c upgrade).
        HttpResponse<byte[]> response = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1)
                .build().send(HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/metrics"))
                        .header("Accept-Encoding", "gzip").timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray());

        assertThat(response.headers().firstValue("Content-Encoding")).contains("gzip");
        String text = new String(new java.util.zip.GZIPInputStream(new java.io.ByteArrayInputStream(response.body()))
                .readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertThat(PrometheusText.value(PrometheusText.parse(text), "egress_probe_attempts_total", "egress_probe_attempts_total",
                Map.of("target", "identity", "result", "success"))).hasValueSatisfying(v -> assertThat(v).isPositive());
        assertThat(Http.get(port, "/metrics").headers().firstValue("Content-Encoding")).as("plain when not asked").isEmpty();
    }

    @Test
    void shouldShowATargetThatStartsFailingInItsMetricsAndStatus() throws Exception {
        startDaemon(config(target("identity", identity.port(), "")), 60_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts(scrape(), "identity", "success") >= 2);
        JsonNode succeeded = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).at("/targets/0/lastAttempt");
        assertThat(succeeded.get("result").asText()).isEqualTo("success");
        assertThat(succeeded.get("tlsVersion").asText()).as("what the handshake negotiated").isIn("TLSv1.2", "TLSv1.3");
        assertThat(succeeded.get("cipherSuite").asText()).startsWith("TLS_");

        identity.close();

        await().atMost(Duration.ofSeconds(20)).until(() -> PrometheusText.value(scrape(), "egress_probe_failures_total",
                "egress_probe_failures_total", Map.of("target", "identity", "reason", "refused")).orElse(0.0) >= 2);
        JsonNode status = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets").get(0);
        assertThat(status.get("name").asText()).isEqualTo("identity");
        assertThat(status.get("path").asText()).isEqualTo("direct");
        assertThat(status.get("tlsEngine").asText()).as("the engine the probe chose on this machine")
                .isEqualTo(TlsEngine.best().label());
        assertThat(status.get("timeout").get("seconds").asDouble()).isEqualTo(1.0);
        assertThat(status.get("timeout").get("source").asText()).isEqualTo("config");
        assertThat(status.get("lastFailure").get("reason").asText()).isEqualTo("refused");
        assertThat(status.get("window").get("count").asInt()).isGreaterThanOrEqualTo(2);
        assertThat(status.get("whatIf")).hasSize(7);
        double needed = status.at("/recommendation/neededSeconds").asDouble();
        assertThat(needed).as("a loopback connect plus two lost SYNs").isBetween(3.0, 3.5);
        assertThat(status.at("/recommendation/timeoutSeconds").asDouble()).as("the smallest candidate at or above %s s", needed)
                .isEqualTo(needed <= 3.0 ? 3.0 : 5.0);
    }

    @Test
    void shouldAnswerHealthReadinessAndUnknownPaths() throws Exception {
        startDaemon(config(target("identity", identity.port(), "")), 60_000);

        assertThat(Http.get(port, "/healthz").statusCode()).isEqualTo(200);
        assertThat(Http.get(port, "/readyz").statusCode()).isEqualTo(200);
        assertThat(Http.get(port, "/nope").statusCode()).isEqualTo(404);
        assertThat(Http.get(port, "/").statusCode()).as("the status page").isEqualTo(200);
        assertThat(Http.post(port, "/metrics").statusCode()).isEqualTo(405);
        assertThat(Http.get(port, "/-/reload").statusCode()).isEqualTo(405);
    }

    @Test
    void shouldApplyAGoodReloadKeepTheLastGoodConfigOnABadOneAndRecover() throws Exception {
        startDaemon(config(target("identity", identity.port(), "") + target("payments", payments.port(), "")), 60_000);
        await().atMost(Duration.ofSeconds(20)).until(() -> attempts(scrape(), "payments", "success") >= 1);

        Files.writeString(configFile, config(target("identity", identity.port(), "")));
        assertThat(Http.post(port, "/-/reload").statusCode()).isEqualTo(200);
        Map<String, Family> afterRemoval = scrape();
        assertThat(targetsIn(afterRemoval)).as("a removed target's series are gone").containsExactly("identity");
        double before = attempts(afterRemoval, "identity", "success");

        Files.writeString(configFile, config(target("identity", 70000, "")));
        var rejected = Http.post(port, "/-/reload");
        assertThat(rejected.statusCode()).isEqualTo(400);
        assertThat(rejected.body()).contains("targets[0].port: must be between 1 and 65535");
        assertThat(PrometheusText.value(scrape(), "egress_probe_config_last_reload_successful",
                "egress_probe_config_last_reload_successful", Map.of())).contains(0.0);
        await("the last good config keeps probing").atMost(Duration.ofSeconds(20))
                .until(() -> attempts(scrape(), "identity", "success") >= before + 2);

        Files.writeString(configFile, config(target("identity", identity.port(), "") + target("newcomer", payments.port(), "")));
        assertThat(Http.post(port, "/-/reload").statusCode()).isEqualTo(200);
        Map<String, Family> recovered = scrape();
        assertThat(PrometheusText.value(recovered, "egress_probe_config_last_reload_successful",
                "egress_probe_config_last_reload_successful", Map.of())).contains(1.0);
        assertThat(targetsIn(recovered)).containsExactly("identity", "newcomer");
    }

    @Test
    void shouldKeepTheLastGoodConfigWhenTheFileBecomesABinaryBlobEmptyOrUnreadable() throws Exception {
        String good = config(target("identity", identity.port(), ""));
        startDaemon(good, 60_000);
        byte[] blob = new byte[4096];
        new java.util.Random(1).nextBytes(blob);
        Map<String, ThrowingRunnable> breakages = new java.util.LinkedHashMap<>();
        breakages.put("binary blob", () -> Files.write(configFile, blob));
        breakages.put("empty", () -> Files.write(configFile, new byte[0]));
        breakages.put("a directory", () -> {
            Files.delete(configFile);
            Files.createDirectory(configFile);
        });
        boolean root = "root".equals(System.getProperty("user.name"));
        if (!root) { // root reads whatever the mode says
            breakages.put("mode 000", () -> Files.setPosixFilePermissions(configFile, java.util.Set.of()));
        }

        for (Map.Entry<String, ThrowingRunnable> breakage : breakages.entrySet()) {
            breakage.getValue().run();
            var rejected = Http.post(port, "/-/reload");

            assertThat(rejected.statusCode()).as(breakage.getKey()).isEqualTo(400);
            assertThat(rejected.body()).as(breakage.getKey()).isNotBlank();
            assertThat(PrometheusText.value(scrape(), "egress_probe_config_last_reload_successful",
                    "egress_probe_config_last_reload_successful", Map.of())).as(breakage.getKey()).contains(0.0);
            double before = attempts(scrape(), "identity", "success");
            await("the last good config keeps probing: " + breakage.getKey()).atMost(Duration.ofSeconds(20))
                    .until(() -> attempts(scrape(), "identity", "success") >= before + 2);

            if (Files.isDirectory(configFile)) {
                Files.delete(configFile);
            }
            Files.writeString(configFile, good);
            Files.setPosixFilePermissions(configFile, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
            assertThat(Http.post(port, "/-/reload").statusCode()).isEqualTo(200);
            assertThat(PrometheusText.value(scrape(), "egress_probe_config_last_reload_successful",
                    "egress_probe_config_last_reload_successful", Map.of())).contains(1.0);
        }
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void shouldReloadWhenTheFileChangesWithoutBeingAsked() throws Exception {
        startDaemon(config(target("identity", identity.port(), "")), 100);

        Files.writeString(configFile, config(target("identity", identity.port(), "") + target("payments", payments.port(), "")));

        await().atMost(Duration.ofSeconds(20)).until(() -> targetsIn(scrape()).contains("payments"));
    }

    /**
     * Kubernetes updates a mounted ConfigMap by writing a new folder and renaming the {@code ..data} symlink beside the
     * file over the old one: the folder's watch sees that, with the content poll a minute away.
     */
    @Test
    void shouldReloadAConfigMapUpdateSeenByTheFolderWatch() throws Exception {
        Path mount = Files.createDirectories(dir.resolve("configmap"));
        Files.copy(pki.caFile, mount.resolve("ca.pem"));
        Path first = Files.createDirectories(mount.resolve("..2026_11_29_10_00_00.1"));
        Files.writeString(first.resolve("config.yaml"), config(target("identity", identity.port(), "")));
        Files.createSymbolicLink(mount.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(mount.resolve("config.yaml"), Path.of("..data", "config.yaml"));
        configFile = mount.resolve("config.yaml");
        startDaemon(Files.readString(configFile), 60_000);

        Path second = Files.createDirectories(mount.resolve("..2026_11_29_10_01_00.2"));
        Files.writeString(second.resolve("config.yaml"),
                config(target("identity", identity.port(), "") + target("payments", payments.port(), "")));
        Files.createSymbolicLink(mount.resolve("..data_tmp"), second.getFileName());
        Files.move(mount.resolve("..data_tmp"), mount.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);

        await().atMost(Duration.ofSeconds(20)).until(() -> targetsIn(scrape()).contains("payments"));
    }

    /** {@code promtool check metrics} from Debian's prometheus package, where installed (CI installs it). */
    static final class Promtool {
        static void checkMetrics(String exposition) throws IOException, InterruptedException {
            checkMetrics(exposition, "");
        }

        /** @param prefix the metrics whose findings count: Micrometer's own binders name theirs their way */
        static void checkMetrics(String exposition, String prefix) throws IOException, InterruptedException {
            Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/promtool")),
                    "SKIPPED: /usr/bin/promtool not installed (apt-get install prometheus)");
            Process p = new ProcessBuilder("/usr/bin/promtool", "check", "metrics").redirectErrorStream(true).start();
            p.getOutputStream().write(exposition.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(out.lines().filter(l -> !l.isBlank() && l.startsWith(prefix)).toList()).as("promtool's findings").isEmpty();
        }
    }
}
