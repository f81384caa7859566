package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Targets that fail every attempt, beside a healthy one, in the shipped jar: each is judged down by
 * {@code EgressTargetFailing}, in its log, in a real Alertmanager and in the status API, with the reason and the error;
 * the healthy one stays quiet.
 */
class FailingTargetsIT {
    static final Set<String> FAILING = Set.of("refused", "unresolvable", "bad-certificate");
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    @Test
    void shouldRaiseEgressTargetFailingForEveryTargetThatIsDownAndNothingForTheHealthyOne() throws Exception {
        AlertmanagerProcess.assumeInstalled();
        TestPki pki = new TestPki(dir);
        int port = RawServers.closedPort();
        try (TlsTargetServer healthy = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             TlsTargetServer selfSigned = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0,
                     CertificateBuilder.subject(TestPki.HOST).dnsName(TestPki.HOST).build(), () -> 0, 200);
             AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort())) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:%d
                    mode: direct
                    defaults: { interval: 200ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 20, for: 3s }
                    targets:
                      - { name: healthy, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                      - { name: refused, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                      - { name: unresolvable, host: no-such-host.invalid, port: 443 }
                      - { name: bad-certificate, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    alerting:
                      alertmanager: { url: "http://127.0.0.1:%d", resend: 5s }
                    """.formatted(port, healthy.port(), RawServers.closedPort(), selfSigned.port(), am.port()));
            Path log = dir.resolve("stdout.log");
            Process p = new ProcessBuilder(Jar.withTestHosts(List.of(), "run", "--config", config.toString())).redirectOutput(log.toFile())
                    .redirectError(dir.resolve("stderr.log").toFile()).start();
            try {
                await("every failing target is critical").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions().until(() -> criticalFailing(port).equals(FAILING));
                JsonNode alerts = JSON.readTree(Http.get(port, "/api/v1/alerts").body()).get("active");
                assertThat(alerts).filteredOn(a -> a.get("target").asText().equals("bad-certificate")).singleElement()
                        .satisfies(a -> {
                            assertThat(a.get("summary").asText()).contains("failed (tls_certificate)");
                            assertThat(a.get("description").asText()).contains("Last error: tls_certificate during tls:");
                            assertThat(a.get("recommendation").asText()).contains("tls.caFile");
                        });
                assertThat(alerts).filteredOn(a -> a.get("target").asText().equals("unresolvable")).singleElement()
                        .satisfies(a -> assertThat(a.get("recommendation").asText()).contains("does not resolve"));
                assertThat(alerts).as("the healthy target").noneMatch(a -> a.get("target").asText().equals("healthy"));

                JsonNode targets = JSON.readTree(Http.get(port, "/api/v1/targets").body()).get("targets");
                for (JsonNode t : targets) {
                    boolean failing = FAILING.contains(t.get("name").asText());
                    assertThat(t.get("alertLevel").asInt()).as(t.get("name").asText()).isEqualTo(failing ? 2 : 0);
                    assertThat(t.at("/window/failureRatio").asDouble()).as(t.get("name").asText()).isEqualTo(failing ? 1.0 : 0.0);
                }

                await("Alertmanager has them").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions().until(() -> inAlertmanager(am).equals(FAILING));
                List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
                for (String target : FAILING) {
                    assertThat(lines).as("logged").anySatisfy(l -> assertThat(l)
                            .contains("EgressTargetFailing " + target + " ok -> critical"));
                }
            } finally {
                p.destroy();
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    static Set<String> criticalFailing(int port) throws Exception {
        List<JsonNode> active = new ArrayList<>();
        JSON.readTree(Http.get(port, "/api/v1/alerts").body()).get("active").forEach(active::add);
        return active.stream().filter(a -> a.get("alertname").asText().equals("EgressTargetFailing")
                && a.get("severity").asText().equals("critical")).map(a -> a.get("target").asText()).collect(Collectors.toSet());
    }

    static Set<String> inAlertmanager(AlertmanagerProcess am) throws Exception {
        List<JsonNode> alerts = new ArrayList<>();
        JSON.readTree(am.alerts().body()).forEach(alerts::add);
        return alerts.stream().filter(a -> a.at("/labels/alertname").asText().equals("EgressTargetFailing")
                && a.at("/labels/severity").asText().equals("critical")).map(a -> a.at("/labels/target").asText())
                .collect(Collectors.toSet());
    }
}
