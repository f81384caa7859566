package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.NetworkNamespace;
import io.egressprobe.testing.Processes;
import io.egressprobe.testing.TargetsApi;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the probe asks of DNS, counted by the DNS server: dnsmasq in a loopback-only namespace answers with a TTL of
 * {@value #TTL_SECONDS} s and logs every query. Targets of both families (an IPv6 one asked AAAA records on every
 * attempt before they were cached) and a name that does not exist, every 100 ms: the server sees a name again only
 * once its answer's TTL (or the negative TTL) has run out, never once per attempt.
 */
class DnsQueriesIT {
    static final int SERVER = 9996;
    static final int DAEMON = 9478;
    static final int TTL_SECONDS = 3;
    static final Pattern QUERY = Pattern.compile("query\\[(A|AAAA)] ([a-z0-9.]+) from");

    @TempDir
    Path dir;
    NetworkNamespace ns;
    final Processes processes = new Processes();

    @AfterEach
    void tearDown() throws Exception {
        processes.close();
        if (ns != null) {
            ns.close();
        }
    }

    @Test
    void shouldAskDnsOncePerTtlAndNotOncePerAttempt() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        IssuedCertificate ca = CertificateBuilder.subject("dns CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("both.test").dnsName("both.test").issuedBy(ca).build();
        Files.writeString(dir.resolve("ca.pem"), ca.certificatePem());
        Files.writeString(dir.resolve("cert.pem"), leaf.chainPem());
        Files.writeString(dir.resolve("key.pem"), leaf.privateKeyPem());
        // --local=/test/: a name of .test that is not in the records is NXDOMAIN, answered by dnsmasq itself.
        processes.add(ns.dnsmasq(dir, "127.0.0.1 both.test\n::1 both.test\n", "--local-ttl=" + TTL_SECONDS,
                "--neg-ttl=" + TTL_SECONDS, "--local=/test/"));
        processes.add(ns.start(dir.resolve("s_server.log"), "/usr/bin/openssl", "s_server", "-quiet", "-www",
                "-accept", Integer.toString(SERVER), "-cert", dir.resolve("cert.pem").toString(),
                "-key", dir.resolve("key.pem").toString()));
        Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 100ms, probeTimeout: 2s, envoyConnectTimeout: 1s, window: 10m }
                targets:
                  - { name: both, host: both.test, port: %d, tls: { caFile: ca.pem } }
                  - { name: both-v6, host: both.test, port: %d, ipFamily: v6, tls: { caFile: ca.pem } }
                  - { name: missing, host: missing.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(DAEMON, SERVER, SERVER, SERVER));
        long started = System.nanoTime();
        processes.add(ns.start(dir.resolve("daemon.log"), Jar.command("run", "--config", dir.resolve("config.yaml").toString())));

        // Four TTLs at least: every name is asked again after each.
        await("attempts over four TTLs").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).ignoreExceptions()
                .until(() -> attempts("both-v6") >= 4 * TTL_SECONDS * 10 * 8 / 10 && attempts("missing") >= 4 * TTL_SECONDS * 10 * 8 / 10);
        double seconds = (System.nanoTime() - started) / 1e9;
        int attempts = attempts("both") + attempts("both-v6") + attempts("missing");
        String log = Files.readString(dir.resolve("dnsmasq.log"));
        int both = queries(log, "both.test");
        int missing = queries(log, "missing.test");
        // The bound: each of the two ways of asking (IPv4 first, IPv6 first) asks A and AAAA once per TTL, and a lookup
        // on each of the event loops may miss a cache still being filled (the daemon's two loops); one more period for
        // the edges of the run.
        long periods = (long) Math.ceil(seconds / TTL_SECONDS) + 1;
        String facts = "%d attempts in %.1f s; queries both.test %d, missing.test %d; dnsmasq log:%n%s"
                .formatted(attempts, seconds, both, missing, log.lines().filter(l -> l.contains("query[")).toList());
        assertThat(both).as(facts).isLessThanOrEqualTo((int) (periods * 2 * 2 * 2));
        assertThat(missing).as("NXDOMAIN cached: " + facts).isLessThanOrEqualTo((int) (periods * 2 * 2));
        assertThat(both).as("asked again once a TTL ran out: " + facts).isGreaterThanOrEqualTo(4);
        assertThat(both + missing).as("far fewer queries than attempts: " + facts).isLessThan(attempts / 4);
        assertThat(target("both-v6").at("/addresses/0/address").asText()).isEqualTo("::1");
        assertThat(target("both").at("/addresses/0/address").asText()).isEqualTo("127.0.0.1");
        assertThat(target("missing").at("/lastFailure/reason").asText()).isEqualTo("dns");
    }

    static int queries(String log, String name) {
        int n = 0;
        for (Matcher m = QUERY.matcher(log); m.find(); ) {
            n += m.group(2).equals(name) ? 1 : 0;
        }
        return n;
    }

    int attempts(String name) throws Exception {
        JsonNode t = target(name);
        return t.at("/window/attempts").asInt(t.at("/window/count").asInt());
    }

    JsonNode target(String name) throws Exception {
        return TargetsApi.named(ns.get(DAEMON, "/api/v1/targets"), name);
    }
}
