package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.NetworkNamespace;
import io.egressprobe.testing.Processes;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole story on the direct path, in a loopback-only network namespace: the daemon (the shipped
 * jar) probes two TLS servers against a configured 1 s timeout. SYNs to one are dropped at 5%: its
 * alerts fire, reach a real Alertmanager, and resolve once the drops stop. The other never fires.
 */
class SynLossAlertsIT {
    static final int LOSSY = 8443;
    static final int CLEAN = 8444;
    static final int DAEMON = 9478;
    static final int ALERTMANAGER = 9093;

    @TempDir
    Path dir;
    NetworkNamespace ns;
    final Processes processes = new Processes();
    final ObjectMapper json = new ObjectMapper();

    @AfterEach
    void tearDown() throws Exception {
        processes.close();
        if (ns != null) {
            ns.close();
        }
    }

    JsonNode get(int port, String path) throws Exception {
        return json.readTree(ns.exec("/usr/bin/curl", "-sf", "http://127.0.0.1:" + port + path));
    }

    static List<JsonNode> list(JsonNode array) {
        List<JsonNode> l = new ArrayList<>();
        array.forEach(l::add);
        return l;
    }

    List<JsonNode> active(String target) throws Exception {
        return list(get(DAEMON, "/api/v1/alerts").get("active")).stream()
                .filter(a -> a.get("target").asText().equals(target)).toList();
    }

    @Test
    void shouldFireOnSynLossReachAlertmanagerResolveWhenItStopsAndStayQuietWithoutIt() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        AlertmanagerProcess.assumeInstalled();
        IssuedCertificate ca = CertificateBuilder.subject("e2e CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("localhost").dnsName("localhost").issuedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("cert.pem"), leaf.chainPem());
        Files.writeString(dir.resolve("key.pem"), leaf.privateKeyPem());
        for (int port : new int[] {LOSSY, CLEAN}) {
            processes.add(ns.start(dir.resolve("s_server-" + port + ".log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                    "-accept", "127.0.0.1:" + port, "-cert", dir.resolve("cert.pem").toString(),
                    "-key", dir.resolve("key.pem").toString()));
        }
        Files.writeString(dir.resolve("alertmanager.yml"), """
                route: { receiver: nowhere, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
                receivers: [ { name: nowhere } ]
                """);
        processes.add(ns.start(dir.resolve("alertmanager.log"), AlertmanagerProcess.BINARY.toString(),
                "--config.file=" + dir.resolve("alertmanager.yml"), "--storage.path=" + Files.createDirectories(dir.resolve("am")),
                "--web.listen-address=127.0.0.1:" + ALERTMANAGER, "--cluster.listen-address="));
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", Integer.toString(LOSSY),
                "-m", "statistic", "--mode", "random", "--probability", "0.05", "-j", "DROP");
        Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 200ms, probeTimeout: 3s, envoyConnectTimeout: 1s, window: 30s, minSamples: 50, for: 10s }
                targets:
                  - { name: lossy, host: localhost, port: %d, tls: { caFile: ca.pem } }
                  - { name: clean, host: localhost, port: %d, tls: { caFile: ca.pem } }
                alerting:
                  alertmanager: { url: "http://127.0.0.1:%d", resend: 5s }
                """.formatted(DAEMON, LOSSY, CLEAN, ALERTMANAGER));
        processes.add(ns.start(dir.resolve("daemon.log"), Jar.command("run", "--config", dir.resolve("config.yaml").toString())));

        await("both alerts of the lossy target fire").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().until(() -> active("lossy").size() == 2);
        JsonNode timeouts = active("lossy").stream().filter(a -> a.get("alertname").asText().equals("EgressConnectTimeouts"))
                .findFirst().orElseThrow();
        assertThat(timeouts.get("severity").asText()).isEqualTo("critical");
        assertThat(timeouts.get("exceeded").asInt()).isPositive();
        assertThat(timeouts.get("synLossConnects").asInt()).as("the kernel's SYN retransmissions are counted").isPositive();
        assertThat(timeouts.get("synLossSource").asText()).isEqualTo("tcp_info");
        assertThat(timeouts.get("retransmitSuspected").asInt()).as("nothing inferred where the kernel counts").isZero();
        assertThat(timeouts.get("description").asText()).contains("connects needed a retransmitted SYN (the kernel's count");
        assertThat(timeouts.get("timeoutSource").asText()).isEqualTo("config");
        // p99 plus two tolerated lost SYNs (3 s) needs at least 5 s; a double loss in the sample can make it 10 s.
        assertThat(timeouts.get("recommendation").asText()).containsPattern("connectTimeout: (5|10|15|30)s");
        await("Alertmanager has them").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> list(get(ALERTMANAGER, "/api/v2/alerts")).stream()
                        .filter(a -> a.get("labels").get("target").asText().equals("lossy")).count() >= 2);

        ns.exec("/usr/sbin/iptables", "-F", "INPUT");

        await("the lossy target's alerts resolve").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofSeconds(2))
                .ignoreExceptions().until(() -> active("lossy").isEmpty());
        List<JsonNode> recent = list(get(DAEMON, "/api/v1/alerts").get("recent"));
        assertThat(recent).filteredOn(a -> a.get("target").asText().equals("lossy") && a.get("to").asText().equals("ok"))
                .extracting(a -> a.get("alertname").asText())
                .contains("EgressConnectTimeouts", "EgressConnectLatencyNearTimeout");
        assertThat(recent).as("the clean target never fired").noneMatch(a -> a.get("target").asText().equals("clean"));
    }
}
