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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failure reasons that need the kernel's help, produced for real in a loopback-only network namespace:
 * a SYN that is never answered (the probe's own connect deadline), a host that is unreachable, and a
 * name with two addresses of which one blackholes.
 */
class NetnsCheckIT {
    static final int SYN_DROPPED_PORT = 9999;
    static final int UNREACHABLE_PORT = 9998;
    static final int TWO_ADDRESSES_PORT = 9997;
    static final String BLACKHOLE = "127.0.0.2";
    NetworkNamespace ns;

    @BeforeEach
    void setUp() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", Integer.toString(SYN_DROPPED_PORT), "-j", "DROP");
        ns.exec("/usr/sbin/iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", Integer.toString(UNREACHABLE_PORT),
                "-j", "REJECT", "--reject-with", "icmp-host-unreachable");
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-d", BLACKHOLE, "-p", "tcp", "--syn", "-j", "DROP");
    }

    @AfterEach
    void tearDown() throws Exception {
        if (ns != null) {
            ns.close();
        }
    }

    JsonNode check(int port, String... extra) throws Exception {
        List<String> command = new ArrayList<>(List.of(Jar.command("check", "127.0.0.1:" + port, "--count", "1",
                "--output", "json")));
        command.addAll(List.of(extra));
        return run(command, Main.COULD_NOT_PROBE);
    }

    JsonNode run(List<String> command, int expectedExit) throws Exception {
        Process p = new ProcessBuilder(ns.inside(command.toArray(new String[0]))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(expectedExit);
        return new ObjectMapper().readTree(out);
    }

    @Test
    void shouldReportConnectTimeoutAndKeepTheCutConnectAsACensoredSample() throws Exception {
        JsonNode report = check(SYN_DROPPED_PORT, "--envoy-timeout", "500ms", "--probe-timeout", "1500ms");

        assertThat(report.get("failures").get("connect_timeout").asInt()).isEqualTo(1);
        JsonNode upstream = report.get("upstreamConnect");
        assertThat(upstream.get("count").asInt()).isEqualTo(1);
        assertThat(upstream.get("censored").asInt()).isEqualTo(1);
        assertThat(upstream.get("max").asDouble()).as("cut at the probe's deadline").isGreaterThanOrEqualTo(1.4);
        assertThat(report.get("exceeded").asInt()).as("beyond the 500 ms timeout").isEqualTo(1);
    }

    @Test
    void shouldReportUnreachableForAHostWithNoRoute() throws Exception {
        JsonNode report = check(UNREACHABLE_PORT);

        assertThat(report.get("failures").get("unreachable").asInt()).isEqualTo(1);
        assertThat(report.get("upstreamConnect").get("count").asInt()).as("no latency to learn from").isZero();
    }

    /** A name with several A records, answered by a real DNS server in the namespace, as a client's resolver sees them. */
    @Test
    void shouldProbeEveryAddressOfANameInTurnAndClassifyTheOneThatBlackholes(@TempDir Path dir) throws Exception {
        IssuedCertificate ca = CertificateBuilder.subject("netns CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("two.test").dnsName("two.test").issuedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("cert.pem"), leaf.chainPem());
        Files.writeString(dir.resolve("key.pem"), leaf.privateKeyPem());
        // The IPv6 address has no route in the namespace: it must not take a turn while there are IPv4 ones.
        Process dns = ns.dnsmasq(dir, "2001:db8::1 two.test\n127.0.0.1 two.test\n" + BLACKHOLE + " two.test\n");
        // Listening on every loopback address: only the firewall tells the two apart.
        Process server = ns.start(dir.resolve("s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", Integer.toString(TWO_ADDRESSES_PORT), "-cert", dir.resolve("cert.pem").toString(),
                "-key", dir.resolve("key.pem").toString());
        try {
            await("openssl s_server listens").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                    .ignoreExceptions().until(() -> ns.exec("/bin/bash", "-c",
                            "exec 3<>/dev/tcp/127.0.0.1/" + TWO_ADDRESSES_PORT) != null);
            JsonNode report = run(List.of(Jar.command("check", "two.test:" + TWO_ADDRESSES_PORT,
                    "--count", "4", "--interval", "100ms", "--envoy-timeout", "500ms", "--probe-timeout", "1s",
                    "--ca-file", dir.resolve("ca.pem").toString(), "--output", "json")), Main.CRITICAL);

            assertThat(report.get("attempts").asInt()).isEqualTo(4);
            assertThat(report.get("successes").asInt()).as("the address that answers, every other attempt").isEqualTo(2);
            assertThat(report.get("failures").get("connect_timeout").asInt()).as("the blackholed one").isEqualTo(2);
            assertThat(report.get("failures").size()).as("no other reason, no unreachable IPv6").isEqualTo(1);
            assertThat(Files.readString(dir.resolve("dnsmasq.log"))).as("the name was asked of the DNS server").contains("query[A] two.test");
            assertThat(report.get("addresses")).as("each address on its own, the worst first").hasSize(2);
            assertThat(report.at("/addresses/0/address").asText()).isEqualTo(BLACKHOLE);
            assertThat(report.at("/addresses/0/failureRatio").asDouble()).isEqualTo(1.0);
            assertThat(report.at("/addresses/1/address").asText()).isEqualTo("127.0.0.1");
            assertThat(report.at("/addresses/1/failures").asInt()).isZero();

            JsonNode v6 = run(List.of(Jar.command("check", "two.test:" + TWO_ADDRESSES_PORT, "--count", "2", "--interval", "100ms",
                    "--envoy-timeout", "500ms", "--probe-timeout", "1s", "--ip-family", "v6",
                    "--ca-file", dir.resolve("ca.pem").toString(), "--output", "json")), Main.COULD_NOT_PROBE);
            assertThat(v6.get("addresses")).as("--ip-family v6: the AAAA record alone").singleElement()
                    .satisfies(a -> assertThat(a.get("address").asText()).isEqualTo("2001:db8::1"));
            assertThat(v6.at("/failures/unreachable").asInt()).as("no IPv6 route in the namespace").isEqualTo(2);
        } finally {
            server.destroy();
            dns.destroy();
            server.waitFor(10, TimeUnit.SECONDS);
            dns.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
