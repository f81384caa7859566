package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.NetworkNamespace;
import io.egressprobe.testing.Processes;
import io.egressprobe.testing.TargetsApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sidecar path with a real proxy, in a loopback-only namespace where 30% of the SYNs to the TLS
 * server are dropped. HAProxy stands in for Envoy: it waits for the ClientHello before it connects
 * upstream, as Envoy's listener does, once with a 1 s connect timeout (cuts) and once with 3 s (slow
 * connects get through). The same HAProxy serves a static admin API, so the daemon finds the "sidecar"
 * in mode auto and learns each cluster's timeout from it. A direct-path {@code check} in the same
 * namespace, against a server of its own behind the same 30% loss, shows where this kernel retransmits SYNs.
 */
class SidecarHaproxyIT {
    static final Path HAPROXY = Path.of("/usr/sbin/haproxy");
    static final int SERVER = 8443;
    /** The direct-path check's own server: its SYN drops are counted apart from the proxy's. */
    static final int DIRECT_SERVER = 8444;
    static final int CUT = 15443;
    static final int SLOW = 15444;
    static final int ADMIN = 15000;
    static final int DAEMON = 9478;

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

    JsonNode target(String name) throws Exception {
        return TargetsApi.named(ns.get(DAEMON, "/api/v1/targets"), name);
    }

    static String dump(int... portsAndTimeoutsMillis) {
        StringBuilder b = new StringBuilder("{\"configs\": [");
        for (int i = 0; i < portsAndTimeoutsMillis.length; i += 2) {
            b.append(i == 0 ? "" : ",").append("{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster\",")
                    .append("\"cluster\": {\"name\": \"outbound|").append(portsAndTimeoutsMillis[i]).append("||localhost\",")
                    .append("\"connect_timeout\": \"").append(portsAndTimeoutsMillis[i + 1] / 1000.0).append("s\"}}");
        }
        return b.append("]}").toString();
    }

    @Test
    void shouldTrackTheProxysUpstreamConnectAndRecogniseItsCutsAtTheTimeout() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        Assumptions.assumeTrue(Files.isExecutable(HAPROXY), "SKIPPED: " + HAPROXY + " is missing (apt-get install haproxy)");
        IssuedCertificate ca = CertificateBuilder.subject("e2e CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("localhost").dnsName("localhost").ipAddress("127.0.0.1").issuedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("cert.pem"), leaf.chainPem());
        Files.writeString(dir.resolve("key.pem"), leaf.privateKeyPem());
        Files.writeString(dir.resolve("config_dump.json"), dump(CUT, 1000, SLOW, 3000));
        Files.writeString(dir.resolve("haproxy.cfg"), """
                global
                  maxconn 256
                defaults
                  timeout client 30s
                  timeout server 30s
                  retries 0
                frontend sidecar_1s
                  mode tcp
                  bind 127.0.0.1:%d
                  tcp-request inspect-delay 5s
                  tcp-request content accept if { req_ssl_hello_type 1 }
                  default_backend upstream_1s
                backend upstream_1s
                  mode tcp
                  timeout connect 1s
                  server identity 127.0.0.1:%d
                frontend sidecar_3s
                  mode tcp
                  bind 127.0.0.1:%d
                  tcp-request inspect-delay 5s
                  tcp-request content accept if { req_ssl_hello_type 1 }
                  default_backend upstream_3s
                backend upstream_3s
                  mode tcp
                  timeout connect 3s
                  server identity 127.0.0.1:%d
                frontend admin
                  mode http
                  timeout client 5s
                  bind 127.0.0.1:%d
                  http-request return status 200 content-type text/plain string "LIVE" if { path /ready }
                  http-request return status 200 content-type application/json file %s if { path /config_dump }
                  http-request return status 404
                """.formatted(CUT, SERVER, SLOW, SERVER, ADMIN, dir.resolve("config_dump.json")));
        processes.add(ns.start(dir.resolve("s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", "127.0.0.1:" + SERVER, "-cert", dir.resolve("cert.pem").toString(), "-key", dir.resolve("key.pem").toString()));
        processes.add(ns.start(dir.resolve("direct_s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", "127.0.0.1:" + DIRECT_SERVER, "-cert", dir.resolve("cert.pem").toString(), "-key", dir.resolve("key.pem").toString()));
        processes.add(ns.start(dir.resolve("haproxy.log"), HAPROXY.toString(), "-db", "-f", dir.resolve("haproxy.cfg").toString()));
        for (int port : new int[] {SERVER, DIRECT_SERVER}) {
            ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", Integer.toString(port),
                    "-m", "statistic", "--mode", "random", "--probability", "0.3", "-j", "DROP");
        }
        Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: auto
                defaults: { interval: 200ms, probeTimeout: 6s }
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 2s }
                targets:
                  - { name: cut, host: localhost, port: %d, tls: { caFile: ca.pem } }
                  - { name: slow, host: localhost, port: %d, tls: { caFile: ca.pem } }
                """.formatted(DAEMON, ADMIN, ADMIN, CUT, SLOW));
        processes.add(ns.start(dir.resolve("daemon.log"), Jar.command("run", "--config", dir.resolve("config.yaml").toString())));

        await("cuts at the 1 s proxy and slow connects through the 3 s one").atMost(Duration.ofMinutes(2))
                .pollInterval(Duration.ofSeconds(2)).ignoreExceptions().until(() ->
                        target("cut").get("window").get("exceeded").asInt() >= 2
                                && target("slow").get("window").get("retransmitSuspected").asInt() >= 2);

        JsonNode cut = target("cut");
        assertThat(cut.get("path").asText()).isEqualTo("sidecar");
        assertThat(cut.get("timeout").get("source").asText()).isEqualTo("envoy_admin");
        assertThat(cut.get("timeout").get("seconds").asDouble()).isEqualTo(1.0);
        assertThat(cut.get("window").get("censored").asInt()).as("cuts stay in the window").isGreaterThanOrEqualTo(2);
        assertThat(cut.get("lastFailure").get("reason").asText()).isEqualTo("envoy_connect_timeout");
        assertThat(cut.get("lastFailure").get("detail").asText()).as("HAProxy read the ClientHello, so it closes with a FIN")
                .startsWith("closed at ");
        String metrics = ns.get(DAEMON, "/metrics");
        assertThat(metrics).containsPattern("egress_probe_failures_total\\{path=\"sidecar\",reason=\"envoy_connect_timeout\",target=\"cut\"\\} [1-9]");
        JsonNode slow = target("slow");
        assertThat(slow.get("timeout").get("seconds").asDouble()).isEqualTo(3.0);
        assertThat(slow.get("window").get("max").asDouble()).as("time to ServerHello tracks the retransmitted SYN")
                .isGreaterThanOrEqualTo(1.0);
        assertThat(slow.at("/window/synLosses/source").asText()).as("the proxy's SYNs are not ours: inferred from timing")
                .isEqualTo("timing");
        assertThat(slow.path("connectSource").asText(null)).as("our connect ends at the local proxy").isNull();

        // The direct path, same namespace: connects land where this kernel retransmits SYNs.
        String schedule = ns.exec("/bin/cat", "/proc/sys/net/ipv4/tcp_syn_linear_timeouts").trim();
        // check exits with its verdict (a lost SYN or three may make it a warning): the report is what matters here.
        // --path direct: the namespace has the stand-in sidecar's admin API, which check would otherwise find and go through.
        JsonNode direct = json.readTree(ns.output(Jar.command("check", "127.0.0.1:" + DIRECT_SERVER, "--path", "direct", "--count", "40", "--interval",
                "100ms", "--envoy-timeout", "10s", "--ca-file", dir.resolve("ca.pem").toString(), "--output", "json")));
        assertThat(direct.get("upstreamConnect").get("max").asDouble()).as("kernel schedule %s", schedule).isGreaterThanOrEqualTo(1.0);
        assertThat(direct.get("synLosses").get("source").asText()).isEqualTo("tcp_info");
        // Each SYN the rule dropped was sent again: the kernel's count is the firewall's, to the packet.
        assertThat(direct.get("synLosses").get("retransmittedSyns").asLong()).as("SYNs sent again; check said %s", direct)
                .isEqualTo(droppedSyns(DIRECT_SERVER));
        // A lost SYN costs the retransmission timer's first second. (Not the converse: on a loaded node a connect may
        // take a second without losing a SYN, where the kernel gave no report or the event loop stalled.)
        assertThat(direct.get("synLosses").get("connects").asLong()).as("connects that lost a SYN took 1 s or more; check said %s", direct)
                .isPositive().isLessThanOrEqualTo(countAtOrAbove(direct, 1.0));
    }

    /** The DROP rule's packet counter for SYNs to {@code port}. */
    long droppedSyns(int port) throws Exception {
        for (String line : ns.exec("/usr/sbin/iptables", "-L", "INPUT", "-v", "-x", "-n").split("\n")) {
            if (line.contains("DROP") && line.contains("dpt:" + port)) {
                return Long.parseLong(line.trim().split("\\s+")[0]);
            }
        }
        throw new AssertionError("no DROP rule for port " + port);
    }

    /** From the what-if table: the share a 1 s timeout would have cut, times the samples. */
    static long countAtOrAbove(JsonNode report, double seconds) {
        for (JsonNode w : report.get("whatIf")) {
            if (w.get("timeoutSeconds").asDouble() == seconds) {
                return Math.round(w.get("cutRatio").asDouble() * report.get("upstreamConnect").get("count").asInt());
            }
        }
        throw new AssertionError("no what-if row for " + seconds);
    }
}
