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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every address of a name, and both families, in a loopback-only namespace: dnsmasq answers {@code many.test} with
 * 127.0.0.1, 127.0.0.2 (whose SYNs the firewall drops: "one load-balancer IP times out") and ::1; one TLS server
 * listens on all of them (the namespace's loopback also holds a unique-local IPv6 address, as a dual-stack pod holds
 * a global one: without one the resolver asks for no AAAA record). The daemon shows each address's attempts, failures and p99, exports the bounded per-address
 * view, and the alert's advice names the bad address; a target with {@code ipFamily: v6} goes to ::1 alone.
 */
class AddressesIT {
    static final int SERVER = 9995;
    static final int DAEMON = 9479;
    static final String BLACKHOLE = "127.0.0.2";

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

    void writeCertificates() throws Exception {
        IssuedCertificate ca = CertificateBuilder.subject("addresses CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("many.test").dnsName("many.test").issuedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("cert.pem"), leaf.chainPem());
        Files.writeString(dir.resolve("key.pem"), leaf.privateKeyPem());
    }

    /** One TLS server for {@code many.test} on every address of the namespace's loopback. */
    void startServer() throws Exception {
        processes.add(ns.start(dir.resolve("s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", Integer.toString(SERVER), "-cert", dir.resolve("cert.pem").toString(),
                "-key", dir.resolve("key.pem").toString()));
    }

    /**
     * A name with only IPv6 addresses, on a node without an IPv6 address of its own beyond loopback (Netty's resolver
     * then asks for no AAAA record, and the name "does not resolve"): {@code auto} takes its IPv6 addresses.
     */
    @Test
    void shouldFollowANameWithOnlyIpv6AddressesUnderAuto() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        writeCertificates();
        processes.add(ns.dnsmasq(dir, "::1 only6.test\n"));
        startServer();
        Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 100ms, probeTimeout: 2s, envoyConnectTimeout: 1s }
                targets:
                  - { name: only6, host: only6.test, sni: many.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(DAEMON, SERVER));
        processes.add(ns.start(dir.resolve("daemon.log"), Jar.command("run", "--config", dir.resolve("config.yaml").toString())));

        await("attempts to ::1").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> target("only6").at("/window/count").asInt() >= 3);
        assertThat(target("only6").get("addresses")).singleElement()
                .satisfies(a -> assertThat(a.get("address").asText()).isEqualTo("::1"));
    }

    JsonNode target(String name) throws Exception {
        return TargetsApi.named(ns.get(DAEMON, "/api/v1/targets"), name);
    }

    @Test
    void shouldShowEachAddressAndNameTheOneThatTimesOutAndProbeIpv6WhereATargetAsks() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        writeCertificates();
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-d", BLACKHOLE, "-p", "tcp", "--syn", "-j", "DROP");
        // A unique-local IPv6 address on the namespace's own loopback: Netty's resolver asks for AAAA records only where
        // the node has an IPv6 address that is not loopback, as a dual-stack pod has. Only this namespace holds it.
        ns.exec("/usr/sbin/ip", "-6", "addr", "add", "fd42:e9b0:7a11::1/128", "dev", "lo");
        StringBuilder ten = new StringBuilder();
        for (int i = 1; i <= 10; i++) {
            ten.append("127.0.0.").append(i).append(" ten.test\n");
        }
        processes.add(ns.dnsmasq(dir, "127.0.0.1 many.test\n" + BLACKHOLE + " many.test\n::1 many.test\n::1 only6.test\n" + ten));
        startServer();
        Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 100ms, probeTimeout: 2s, envoyConnectTimeout: 1s, minSamples: 5, for: 1s,
                            thresholds: { failureWarning: 0.05, failureCritical: 0.2 } }
                targets:
                  - { name: many, host: many.test, port: %d, tls: { caFile: ca.pem } }
                  - { name: many-v6, host: many.test, port: %d, ipFamily: v6, tls: { caFile: ca.pem } }
                  - { name: only6, host: only6.test, sni: many.test, port: %d, tls: { caFile: ca.pem } }
                  - { name: only6-v4, host: only6.test, sni: many.test, port: %d, ipFamily: v4, tls: { caFile: ca.pem } }
                  - { name: ten, host: ten.test, sni: many.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(DAEMON, SERVER, SERVER, SERVER, SERVER, SERVER));
        processes.add(ns.start(dir.resolve("daemon.log"), Jar.command("run", "--config", dir.resolve("config.yaml").toString())));

        try {
            await("attempts to both IPv4 addresses, and to ::1").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions().until(() -> target("many").get("addresses").size() == 2
                            && target("many").at("/addresses/0/attempts").asInt() >= 5
                            && target("many-v6").at("/window/count").asInt() >= 5
                            && target("only6").at("/window/count").asInt() >= 5
                            && target("only6-v4").at("/lastFailure/detail").isTextual()
                            && target("ten").at("/window/attempts").asInt() >= 40);
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            String api;
            try {
                api = ns.get(DAEMON, "/api/v1/targets");
            } catch (java.io.IOException notServing) {
                api = "(no answer: " + notServing.getMessage() + ")";
            }
            throw new AssertionError("targets: " + api + "\ndaemon log:\n" + Files.readString(dir.resolve("daemon.log")), e);
        }
        JsonNode many = target("many");
        assertThat(many.at("/addresses/0/address").asText()).as("the worst first").isEqualTo(BLACKHOLE);
        assertThat(many.at("/addresses/0/failureRatio").asDouble()).isEqualTo(1.0);
        assertThat(many.at("/addresses/1/address").asText()).isEqualTo("127.0.0.1");
        assertThat(many.at("/addresses/1/failureRatio").asDouble()).as("the one that answers (a loaded node may miss one)")
                .isLessThan(0.5);
        assertThat(many.at("/addresses/1/p99Seconds").asDouble()).isPositive();
        JsonNode v6 = target("many-v6");
        assertThat(v6.get("addresses")).singleElement().satisfies(a -> {
            assertThat(a.get("address").asText()).isEqualTo("::1");
            assertThat(a.get("failureRatio").asDouble()).isLessThan(0.5);
        });
        assertThat(target("only6").get("addresses")).as("a name with only IPv6 addresses: auto takes them")
                .singleElement().satisfies(a -> assertThat(a.get("address").asText()).isEqualTo("::1"));
        assertThat(target("only6-v4").at("/lastFailure/detail").asText()).as("and v4 says why it cannot")
                .isEqualTo("only6.test has only IPv6 addresses (::1) and the target asks for IPv4: set ipFamily: auto or v6");
        String metrics = ns.get(DAEMON, "/metrics");
        // Series only for the address that stands out: the blackholed one; the one that answers has its view in the API.
        assertThat(metrics).contains("egress_probe_address_failure_ratio{address=\"" + BLACKHOLE + "\",path=\"direct\",target=\"many\"} 1.0")
                .doesNotContain("address=\"127.0.0.1\",path=\"direct\",target=\"many\"")
                .as("one address: no per-address series").doesNotContain("target=\"many-v6\",address").doesNotContainPattern(
                        "egress_probe_address_[a-z_0-9]+\\{address=\"::1\"");

        // The series budget with a name of ten addresses, one of them blackholed: eight views and other in the API, and
        // no more than 50 series (README "Metrics"), the one address that stands out among them: the blackholed one, or
        // other where it holds it (an attempt takes its view when it ends, and the blackholed ones end 2 s late, after
        // eight others have taken the eight views).
        java.util.regex.Pattern standsOut = java.util.regex.Pattern.compile(
                "egress_probe_address_failure_ratio\\{address=\"(" + java.util.regex.Pattern.quote(BLACKHOLE) + "|other)\",path=\"direct\",target=\"ten\"}");
        try {
            await("the blackholed one of ten stands out").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                    .ignoreExceptions().until(() -> standsOut.matcher(ns.get(DAEMON, "/metrics")).find());
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            throw new AssertionError("ten: " + target("ten") + "\nits address series: " + ns.get(DAEMON, "/metrics").lines()
                    .filter(l -> l.startsWith("egress_probe_address_")).toList(), e);
        }
        assertThat(target("ten").get("addresses")).as("eight addresses of their own and other").hasSize(9)
                .anySatisfy(a -> assertThat(a.get("address").asText()).isEqualTo("other"));
        var families = io.egressprobe.testing.PrometheusText.parse(ns.get(DAEMON, "/metrics"));
        long series = families.values().stream().flatMap(f -> f.samples().stream())
                .filter(x -> "ten".equals(x.labels().get("target"))).count();
        long addressSeries = families.values().stream().flatMap(f -> f.samples().stream())
                .filter(x -> "ten".equals(x.labels().get("target")) && x.labels().containsKey("address")).count();
        assertThat(series).as("series of a target with ten addresses on the direct path").isLessThanOrEqualTo(50);
        assertThat(addressSeries).as("the standing-out address's series only").isBetween(1L, 2L);

        // Its attempts are cut by the probe's deadline: EgressConnectTimeouts judges them, and names the address.
        await("the alert names the address").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .ignoreExceptions().until(() -> {
                    for (JsonNode a : json.readTree(ns.get(DAEMON, "/api/v1/alerts"))
                            .get("active")) {
                        if (a.get("alertname").asText().equals("EgressConnectTimeouts") && a.get("target").asText().equals("many")
                                && a.get("description").asText().contains("By address: " + BLACKHOLE + " failed 100%")) {
                            return true;
                        }
                    }
                    return false;
                });
    }
}
