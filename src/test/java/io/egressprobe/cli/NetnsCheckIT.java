package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.NetworkNamespace;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Failure reasons that need the kernel's help, produced for real in a loopback-only network namespace:
 * a SYN that is never answered (the probe's own connect deadline) and a host that is unreachable.
 */
class NetnsCheckIT {
    static final int SYN_DROPPED_PORT = 9999;
    static final int UNREACHABLE_PORT = 9998;
    NetworkNamespace ns;

    @BeforeEach
    void setUp() throws Exception {
        ns = NetworkNamespace.createOrSkip();
        ns.exec("/usr/sbin/iptables", "-A", "INPUT", "-p", "tcp", "--syn", "--dport", Integer.toString(SYN_DROPPED_PORT), "-j", "DROP");
        ns.exec("/usr/sbin/iptables", "-A", "OUTPUT", "-p", "tcp", "--dport", Integer.toString(UNREACHABLE_PORT),
                "-j", "REJECT", "--reject-with", "icmp-host-unreachable");
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
        Process p = new ProcessBuilder(ns.inside(command.toArray(new String[0]))).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isEqualTo(Main.COULD_NOT_PROBE);
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
}
