package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One daemon, one healthy target, and targets that fail in every way a server can: each failure is
 * classified as it should be, and the healthy target goes on being probed all along.
 */
class FaultMatrixIT {
    @TempDir
    Path dir;

    @Test
    void shouldClassifyEveryMisbehaviourWhileTheHealthyTargetGoesOn() throws Exception {
        TestPki pki = new TestPki(dir);
        Instant now = Instant.now();
        try (TlsTargetServer healthy = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             TlsTargetServer ipv6 = TlsTargetServer.start(InetAddress.getByName("::1"), 0,
                     CertificateBuilder.subject("v6").ipAddress("::1").issuedBy(pki.ca).build(), () -> 0, 200);
             TlsTargetServer notYetValid = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0,
                     CertificateBuilder.subject(TestPki.HOST).dnsName(TestPki.HOST)
                             .validity(now.plus(Duration.ofDays(1)), now.plus(Duration.ofDays(30))).issuedBy(pki.ca).build(), () -> 0, 200);
             TlsTargetServer selfSigned = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0,
                     CertificateBuilder.subject(TestPki.HOST).dnsName(TestPki.HOST).build(), () -> 0, 200);
             RawServers.Server silent = RawServers.silent();
             RawServers.Server slowloris = RawServers.slowloris();
             RawServers.Server garbage = RawServers.garbage();
             RawServers.Server resetAfterHello = RawServers.resetAfterServerHello()) {
            Map<String, String> expected = new LinkedHashMap<>();
            StringBuilder targets = new StringBuilder();
            java.util.function.BiConsumer<String, String> target = (line, reason) -> {
                targets.append("  - ").append(line).append('\n');
                if (reason != null) {
                    expected.put(line.replaceAll(".*name: ([a-z0-9-]+).*", "$1"), reason);
                }
            };
            target.accept("{ name: healthy, host: identity.test, port: %d, tls: { caFile: ca.pem } }".formatted(healthy.port()), null);
            target.accept("{ name: ipv6-literal, host: \"::1\", port: %d, tls: { caFile: ca.pem } }".formatted(ipv6.port()), null);
            target.accept("{ name: silent, host: identity.test, port: %d, tls: { caFile: ca.pem } }".formatted(silent.port()), "probe_timeout");
            target.accept("{ name: slowloris, host: identity.test, port: %d, tls: { caFile: ca.pem } }".formatted(slowloris.port()), "probe_timeout");
            target.accept("{ name: garbage, host: identity.test, port: %d, tls: { caFile: ca.pem } }".formatted(garbage.port()), "tls_handshake");
            target.accept("{ name: reset-after-hello, host: identity.test, port: %d, tls: { caFile: ca.pem } }"
                    .formatted(resetAfterHello.port()), "reset");
            target.accept("{ name: not-yet-valid, host: identity.test, port: %d, tls: { caFile: ca.pem } }"
                    .formatted(notYetValid.port()), "tls_certificate");
            target.accept("{ name: self-signed, host: identity.test, port: %d, tls: { caFile: ca.pem } }"
                    .formatted(selfSigned.port()), "tls_certificate");
            target.accept("{ name: long-name, host: %s.test, port: 443 }".formatted("a".repeat(60) + ".b".repeat(110)), "dns");
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    mode: direct
                    defaults: { interval: 200ms, probeTimeout: 2s, envoyConnectTimeout: 1s }
                    targets:
                    """ + targets);

            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST)) {
                int port = daemon.port();
                double before = attemptsOfHealthy(port);
                Map<String, String> seen = new HashMap<>();
                await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                    for (JsonNode t : new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets")) {
                        if (t.has("lastFailure")) {
                            seen.put(t.get("name").asText(), t.at("/lastFailure/reason").asText());
                        }
                    }
                    return seen.keySet().containsAll(expected.keySet());
                });

                assertThat(seen).containsAllEntriesOf(expected).doesNotContainKeys("healthy", "ipv6-literal");
                // The faults can all show within two seconds: the healthy target's attempts are waited for, not assumed.
                await("the healthy target was probed all along").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                        .until(() -> attemptsOfHealthy(port) > before + 10);
                assertThat(Http.get(port, "/healthz").statusCode()).isEqualTo(200);
            }
        }
    }

    static double attemptsOfHealthy(int port) throws Exception {
        String metrics = Http.get(port, "/metrics").body();
        return metrics.lines().filter(l -> l.startsWith("egress_probe_attempts_total{path=\"direct\",result=\"success\",target=\"healthy\"}"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
    }
}
