package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.NetworkNamespace;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Lost SYNs as the kernel counts them (TCP_INFO on the native transport) against what tcpdump sees on the wire: in a
 * loopback-only network namespace where iptables drops 5% of the SYNs to a TLS server, a few hundred connects, and
 * the number of SYNs sent again must be the same on both sides.
 */
class KernelSynCountIT {
    static final int PORT = 9996;
    /** A SYN to this port after the run tells that tcpdump has printed everything before it. */
    static final int SENTINEL_PORT = 9995;
    static final int CONNECTS = 300;
    static final String TCPDUMP = "/usr/bin/tcpdump";
    static final Pattern SYN = Pattern.compile("IP 127\\.0\\.0\\.1\\.(\\d+) > 127\\.0\\.0\\.1\\.(\\d+): Flags \\[(S\\.?)\\]");

    @TempDir
    Path dir;
    NetworkNamespace ns;

    @BeforeEach
    void setUp() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        Assumptions.assumeTrue(Files.isExecutable(Path.of(TCPDUMP)), "SKIPPED: " + TCPDUMP + " is missing (apt-get install tcpdump)");
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", Integer.toString(PORT),
                "-m", "statistic", "--mode", "random", "--probability", "0.05", "-j", "DROP");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void shouldCountTheRetransmittedSynsTcpdumpSees() throws Exception {
        IssuedCertificate cert = CertificateBuilder.subject("syn.test").dnsName("syn.test").build();
        Files.writeString(dir.resolve("cert.pem"), cert.chainPem());
        Files.writeString(dir.resolve("key.pem"), cert.privateKeyPem());
        Path capture = dir.resolve("tcpdump.log");
        Process tcpdump = ns.start(capture, TCPDUMP, "-i", "lo", "-nn", "-l", "--immediate-mode",
                "tcp[tcpflags] & tcp-syn != 0 and (port " + PORT + " or dst port " + SENTINEL_PORT + ")");
        Process server = ns.start(dir.resolve("s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", Integer.toString(PORT), "-cert", dir.resolve("cert.pem").toString(),
                "-key", dir.resolve("key.pem").toString());
        try {
            await("tcpdump listens").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> Files.readString(capture).contains("listening on lo"));
            await("openssl s_server listens").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ns.exec("/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + PORT) != null);
            Syns before = syns(capture);

            Process check = new ProcessBuilder(ns.inside(Jar.command("check", "127.0.0.1:" + PORT, "--count",
                    Integer.toString(CONNECTS), "--interval", "10ms", "--envoy-timeout", "10s", "--probe-timeout", "20s",
                    "--insecure", "--output", "json"))).redirectError(ProcessBuilder.Redirect.DISCARD).start();
            String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(check.waitFor(180, TimeUnit.SECONDS)).isTrue();
            ns.output("/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + SENTINEL_PORT);
            await("tcpdump printed the run").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .until(() -> syns(capture).sentinel());

            JsonNode report = new ObjectMapper().readTree(out);
            assertThat(report.get("transport").asText()).isEqualTo("epoll");
            assertThat(report.get("successes").asInt()).as(out).isEqualTo(CONNECTS);
            JsonNode losses = report.get("synLosses");
            assertThat(losses.get("source").asText()).isEqualTo("tcp_info");
            assertThat(losses.get("outOf").asInt()).isEqualTo(CONNECTS);

            Syns run = syns(capture).after(before);
            assertThat(run.connections()).as("one source port per connect").isEqualTo(CONNECTS);
            assertThat(run.retransmitted()).as("5% of about 300 SYNs are dropped: some must have been").isPositive();
            assertThat(losses.get("retransmittedSyns").asInt()).as("the kernel's count against tcpdump's")
                    .isEqualTo(run.retransmitted());
            assertThat(losses.get("connects").asInt()).isEqualTo(run.connectionsWithRetransmission());
        } finally {
            server.destroy();
            tcpdump.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            tcpdump.waitFor(10, TimeUnit.SECONDS);
        }
    }

    /**
     * The SYNs of each connection to the server, in order: a SYN from a source port whose SYN is still unanswered is
     * the same connection's SYN sent again; once the SYN-ACK went back, the kernel may give the port to the next
     * connection. And whether the sentinel's SYN has been printed.
     */
    record Syns(List<Integer> perConnection, boolean sentinel) {
        /** The connections that came after those of {@code earlier}: the run's. */
        Syns after(Syns earlier) {
            return new Syns(perConnection.subList(earlier.perConnection().size(), perConnection.size()), sentinel);
        }

        int connections() {
            return perConnection.size();
        }

        /** SYNs sent again: every SYN beyond the first of its connection. */
        int retransmitted() {
            return perConnection.stream().mapToInt(n -> n - 1).sum();
        }

        int connectionsWithRetransmission() {
            return (int) perConnection.stream().filter(n -> n > 1).count();
        }
    }

    static Syns syns(Path capture) throws Exception {
        List<Integer> perConnection = new ArrayList<>();
        Map<Integer, Integer> unanswered = new HashMap<>(); // source port → its index in perConnection
        boolean sentinel = false;
        Matcher m = SYN.matcher(Files.readString(capture));
        while (m.find()) {
            int from = Integer.parseInt(m.group(1));
            int to = Integer.parseInt(m.group(2));
            if (to == SENTINEL_PORT) {
                sentinel = true;
            } else if (m.group(3).equals("S.")) {
                unanswered.remove(to);
            } else if (unanswered.containsKey(from)) {
                perConnection.set(unanswered.get(from), perConnection.get(unanswered.get(from)) + 1);
            } else {
                unanswered.put(from, perConnection.size());
                perConnection.add(1);
            }
        }
        return new Syns(perConnection, sentinel);
    }
}
