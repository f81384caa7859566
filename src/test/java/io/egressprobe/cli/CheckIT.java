package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code check} against a real TLS server on loopback. */
class CheckIT {
    @TempDir
    Path dir;
    TestPki pki;
    TlsTargetServer server;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki(dir);
        server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
    }

    @AfterEach
    void tearDown() {
        server.close();
    }

    String hostPort() {
        return TestPki.HOST + ":" + server.port();
    }

    @Test
    void shouldPrintThePhaseTableTheTimeoutAndAVerdict() {
        Cli r = Cli.run("check", hostPort(), "--count", "5", "--interval", "100ms", "--ca-file", pki.caFile.toString());

        assertThat(r.exitCode()).as(r.out() + r.err()).isEqualTo(Main.OK);
        assertThat(r.out())
                .contains("5 attempts, 5 succeeded")
                .containsPattern("(?m)^dns\\s+5 ")
                .containsPattern("(?m)^connect\\s+5 ")
                .containsPattern("(?m)^tls\\s+5 ")
                .containsPattern("(?m)^total\\s+5 ")
                .contains("envoy connect timeout: 10.0 s (source: istio_default)")
                .contains("a connect timeout of  250 ms: ")
                .contains("recommended connect timeout: 5000 ms")
                .containsPattern("(?m)^OK: p99 upstream connect .* of the 10.0 s connect timeout \\(istio_default\\)");
    }

    @Test
    void shouldPrintOneJsonDocumentWithTheSameFacts() throws Exception {
        Cli r = Cli.run("check", hostPort(), "--count", "4", "--interval", "100ms", "--envoy-timeout", "1s",
                "--ca-file", pki.caFile.toString(), "--output", "json");

        assertThat(r.exitCode()).isEqualTo(Main.OK);
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("attempts").asInt()).isEqualTo(4);
        assertThat(json.get("successes").asInt()).isEqualTo(4);
        assertThat(json.get("timeout").get("seconds").asDouble()).isEqualTo(1.0);
        assertThat(json.get("timeout").get("source").asText()).isEqualTo("config");
        assertThat(json.get("phases").fieldNames()).toIterable().containsExactly("dns", "connect", "tls", "total");
        assertThat(json.get("upstreamConnect").get("count").asInt()).isEqualTo(4);
        assertThat(json.get("whatIf")).hasSize(7);
        assertThat(json.get("recommendation").get("timeoutSeconds").asDouble()).isEqualTo(5.0);
        assertThat(json.get("level").asText()).isEqualTo("ok");
    }

    @Test
    void shouldExitFourWhenNothingCouldBeProbed() throws Exception {
        Cli r = Cli.run("check", TestPki.HOST + ":" + RawServers.closedPort(), "--count", "2", "--interval", "100ms");

        assertThat(r.exitCode()).isEqualTo(Main.COULD_NOT_PROBE);
        assertThat(r.out()).contains("failures: refused=2").contains("FAILED: no attempt succeeded");
    }

    @Test
    void shouldVerifyCertificatesUnlessToldNotTo() {
        Cli verified = Cli.run("check", hostPort(), "--count", "1");
        assertThat(verified.exitCode()).as("our test CA is not in the system trust store").isEqualTo(Main.COULD_NOT_PROBE);
        assertThat(verified.out()).contains("tls_certificate=1");

        assertThat(Cli.run("check", hostPort(), "--count", "1", "--insecure").exitCode()).isEqualTo(Main.OK);
    }
}
