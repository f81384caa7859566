package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar with every Kubernetes feature on (DestinationRules, the mesh config, ServiceEntry
 * discovery, Events) against an API server that never answers, or is not there: the static target is
 * probed all along, the daemon is ready, the timeout falls through to the next source, and the failure
 * is logged once and exported.
 */
class KubernetesApiFaultIT {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "API server {0}")
    @ValueSource(strings = {"silent", "down"})
    void shouldKeepProbingAndServingWhenTheKubernetesApiIsSlowOrDown(String fault) throws Exception {
        TestPki pki = new TestPki(dir);
        int port = RawServers.closedPort();
        try (RawServers.Server silent = RawServers.silent();
             TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200)) {
            int apiPort = fault.equals("silent") ? silent.port() : RawServers.closedPort();
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:%d
                    mode: direct
                    defaults: { interval: 200ms }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    discovery: { serviceEntries: { enabled: true } }
                    envoy: { refresh: 2s }
                    kubernetes: { enabled: true, events: true }
                    """.formatted(port, server.port()));
            List<String> command = Jar.withTestHosts(List.of("-Dkubernetes.master=http://127.0.0.1:" + apiPort,
                    "-Dkubernetes.auth.tryKubeConfig=false", "-Dkubernetes.auth.tryServiceAccount=false"),
                    "run", "--config", config.toString());
            Path log = dir.resolve("daemon.log");
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("POD_NAME", "egress-probe-x", "POD_NAMESPACE", "egress-probe"));
            Process p = builder.start();
            try {
                try {
                    await("ready").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                            .until(() -> Http.get(port, "/readyz").statusCode() == 200);
                } catch (ConditionTimeoutException e) {
                    throw new AssertionError("not ready; the daemon's log:\n" + Files.readString(log), e);
                }
                await("the failing reads are exported").atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
                    var metrics = PrometheusText.parse(Http.get(port, "/metrics").body());
                    return List.of("destination_rules", "mesh_config", "service_entries").stream()
                            .allMatch(d -> PrometheusText.value(metrics, "egress_probe_dependency_up", "egress_probe_dependency_up",
                                    Map.of("dependency", d)).equals(Optional.of(0.0)));
                });
                double before = successes(port);
                await("probing goes on").atMost(Duration.ofSeconds(30)).until(() -> successes(port) >= before + 20);

                JsonNode target = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets").get(0);
                assertThat(target.get("timeout").get("source").asText()).as("DestinationRule and mesh config unreadable")
                        .isEqualTo("istio_default");
                assertThat(Http.get(port, "/healthz").statusCode()).isEqualTo(200);

                // Several refreshes have failed by now; the failure is in the log once, not once per refresh.
                await().atMost(Duration.ofSeconds(30)).until(() -> Files.readString(log).contains("cannot follow ServiceEntries"));
                String text = Files.readString(log);
                assertThat(linesWith(text, "Kubernetes timeout sources")).as("logged once: %s", text).isEqualTo(1);
                assertThat(linesWith(text, "cannot follow ServiceEntries")).as(text).isEqualTo(1);
                assertThat(text).doesNotContain("\tat io.");

                p.destroy();
                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stops on SIGTERM with the API still failing").isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                p.destroyForcibly();
            }
        }
    }

    static double successes(int port) throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_attempts_total",
                "egress_probe_attempts_total", Map.of("result", "success", "target", "identity")).orElse(0.0);
    }

    static long linesWith(String text, String part) {
        return text.lines().filter(l -> l.contains(part)).count();
    }
}
