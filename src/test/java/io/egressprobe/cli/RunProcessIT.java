package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shaded jar as users run it: {@code java -jar egress-probe.jar run}, stopped with SIGTERM. */
class RunProcessIT {
    @TempDir
    Path dir;

    /** The shipped jar's daemon with one target, its standard output in {@link #log()}. */
    Process startJar(int port, int targetPort, List<String> jvmFlags) throws Exception {
        return startJar(port, targetPort, jvmFlags, List.of());
    }

    Process startJar(int port, int targetPort, List<String> jvmFlags, List<String> runOptions) throws Exception {
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 200ms }
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(port, targetPort));
        List<String> args = new java.util.ArrayList<>(List.of("run", "--config", config.toString()));
        args.addAll(runOptions);
        return new ProcessBuilder(Jar.withTestHosts(jvmFlags, args.toArray(String[]::new)))
                .redirectOutput(log().toFile()).redirectError(dir.resolve("stderr.log").toFile()).start();
    }

    Path log() {
        return dir.resolve("stdout.log");
    }

    @Test
    void shouldLogFlatJsonLinesWithDebugDetailOnDemandAndExitZeroOnSigterm() throws Exception {
        Path jar = Path.of("target/egress-probe.jar");
        assertThat(jar).as("built by the package phase").exists();
        TestPki pki = new TestPki(dir);
        int port = RawServers.closedPort();
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200)) {
            Process p = startJar(port, server.port(), List.of(), List.of("--log-level", "DEBUG"));
            try {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Http.get(port, "/metrics").body().contains("egress_probe_attempts_total{path=\"direct\",result=\"success\",target=\"identity\"} 2"));

                Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
                assertThat(hup.waitFor(10, TimeUnit.SECONDS) && hup.exitValue() == 0).as("kill -HUP").isTrue();
                await("SIGHUP reloads").atMost(Duration.ofSeconds(30))
                        .until(() -> Files.readString(log()).contains("reload on SIGHUP: applied"));
                assertThat(p.isAlive()).as("alive after SIGHUP").isTrue();
                assertThat(Http.get(port, "/healthz").statusCode()).isEqualTo(200);

                p.destroy(); // SIGTERM

                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stops within 20 s").isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                p.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(log(), StandardCharsets.UTF_8);
            assertThat(lines).isNotEmpty();
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> events = new java.util.ArrayList<>();
            for (String line : lines) {
                JsonNode event = json.readTree(line);
                events.add(event);
                assertThat(java.time.Instant.parse(event.path("time").asText())).as("an ISO-8601 time: %s", line).isNotNull();
                assertThat(event.path("level").asText()).as(line).isIn("ERROR", "WARN", "INFO", "DEBUG");
                assertThat(event.path("logger").asText()).as(line).startsWith("io.egressprobe.");
                assertThat(event.path("message").asText()).as(line).isNotBlank();
                event.properties().forEach(f -> assertThat(f.getValue().isNull()).as("no null field: %s", line).isFalse());
            }
            assertThat(events).as("the structured fields at the top level").anySatisfy(e -> {
                assertThat(e.path("message").asText()).contains("listening on 127.0.0.1:" + port);
                assertThat(e.path("port").asInt()).isEqualTo(port);
                assertThat(e.path("message").asText()).as("which TLS engine, and why")
                        .containsPattern("TLS engine openssl: BoringSSL on Linux/(amd64|aarch64) \\(netty-tcnative's linux-(x86_64|aarch_64) library\\)");
            });
            assertThat(events).as("DEBUG: each attempt's result").anySatisfy(e -> {
                assertThat(e.path("level").asText()).isEqualTo("DEBUG");
                assertThat(e.path("target").asText()).isEqualTo("identity");
                assertThat(e.path("result").asText()).isEqualTo("success");
            });
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("SIGHUP received: reloading"));
            assertThat(lines).anySatisfy(l -> assertThat(l).contains("SIGTERM received: stopping"));
            assertThat(lines.get(lines.size() - 1)).contains("\"stopped\"");
        }
    }

    /** The native transport forced off: probing goes on, and the daemon says its SYN numbers are inferred. */
    @Test
    void shouldSayTheNumbersAreInferredWhenTheNativeTransportIsOff() throws Exception {
        TestPki pki = new TestPki(dir);
        int port = RawServers.closedPort();
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200)) {
            Process p = startJar(port, server.port(), List.of("-Dio.netty.transport.noNative=true"));
            try {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Http.get(port, "/metrics").body().contains("egress_probe_attempts_total{path=\"direct\",result=\"success\",target=\"identity\"} 3"));

                JsonNode target = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets").get(0);
                assertThat(target.get("transport").asText()).isEqualTo("nio");
                assertThat(target.get("connectSource").asText()).isEqualTo("event_loop");
                assertThat(target.at("/window/synLosses/source").asText()).isEqualTo("timing");
                String metrics = Http.get(port, "/metrics").body();
                assertThat(metrics).contains("transport=\"nio\"").doesNotContain("egress_probe_syn_retransmits_total{");
                assertThat(Files.readString(log())).contains("native epoll transport unavailable")
                        .as("INFO by default: no attempt lines").doesNotContain("\"DEBUG\"");
            } finally {
                p.destroy();
                p.waitFor(20, TimeUnit.SECONDS);
                p.destroyForcibly();
            }
        }
    }

    @Test
    void shouldRefuseABusyDemoPortBeforeItsBannerAndLeaveNoTemporaryFilesBehind() throws Exception {
        Path tmp = Files.createDirectories(dir.resolve("tmp"));
        List<String> flags = List.of("-Djava.io.tmpdir=" + tmp);
        try (java.net.ServerSocket busy = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            Process refused = new ProcessBuilder(Jar.withTestHosts(flags, "demo", "--port", Integer.toString(busy.getLocalPort())))
                    .redirectErrorStream(true).start();
            assertThat(refused.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String out = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(refused.exitValue()).as(out).isEqualTo(Main.BAD_USAGE);
            assertThat(out).contains("cannot listen on 127.0.0.1:" + busy.getLocalPort()).doesNotContain("status page:");
        }

        int port = RawServers.closedPort();
        Process demo = new ProcessBuilder(Jar.withTestHosts(flags, "demo", "--port", Integer.toString(port)))
                .redirectOutput(log().toFile()).redirectError(dir.resolve("stderr.log").toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Http.get(port, "/readyz").statusCode() == 200);
            try (var files = Files.list(tmp)) {
                assertThat(files.map(f -> f.getFileName().toString())).anySatisfy(f -> assertThat(f).startsWith("egress-probe-demo"));
            }
            demo.destroy(); // SIGTERM
            assertThat(demo.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(demo.exitValue()).isZero();
        } finally {
            demo.destroyForcibly();
        }
        try (var files = Files.list(tmp)) {
            assertThat(files.map(f -> f.getFileName().toString())).noneSatisfy(f -> assertThat(f).startsWith("egress-probe-demo"));
        }
    }

    /**
     * A fresh ambient install: the container starts before istio-cni annotates its pod, so mode auto finds neither a
     * sidecar nor the annotation and probes directly; once the annotation appears the daemon stops cleanly (exit 0), so
     * that the restarted container probes through ztunnel. Before, it probed directly for the pod's whole life.
     */
    @Test
    void shouldRestartOntoTheAmbientPathOnceIstioCniAnnotatesThePodAfterStart() throws Exception {
        int port = RawServers.closedPort();
        int noSidecar = RawServers.closedPort();
        Path annotations = Files.writeString(dir.resolve("annotations"), "kubernetes.io/config.source=\"api\"\n");
        Path config = Files.writeString(dir.resolve("config.yaml"), """
                listen: 127.0.0.1:%d
                mode: auto
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/healthz/ready" }
                kubernetes: { enabled: false }
                targets:
                  - { name: identity, host: identity.test, port: 443 }
                """.formatted(port, noSidecar, noSidecar));
        ProcessBuilder builder = new ProcessBuilder(Jar.withTestHosts(List.of(), "run", "--config", config.toString()))
                .redirectOutput(log().toFile()).redirectError(dir.resolve("stderr.log").toFile());
        builder.environment().put("EGRESS_PROBE_POD_ANNOTATIONS", annotations.toString());
        Process p = builder.start();
        try {
            await("probing directly").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                    .until(() -> Http.get(port, "/readyz").statusCode() == 200);
            assertThat(Files.readString(log())).contains("no sidecar answers and the pod is not in ambient mode, probing directly");

            Files.writeString(annotations, "ambient.istio.io/redirection=\"enabled\"\nkubernetes.io/config.source=\"api\"\n");

            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("stops once the annotation is there").isTrue();
            assertThat(p.exitValue()).as(Files.readString(dir.resolve("stderr.log"))).isZero();
            assertThat(Files.readString(log())).contains("the pod's ambient.istio.io/redirection annotation is now"
                    + " \\\"enabled\\\" (istio-cni redirected it after this container started): restarting, to probe through"
                    + " ztunnel: stopping").contains("\"stopped\"");
        } finally {
            p.destroyForcibly();
        }
    }

    /**
     * Kubernetes stops a pod that still waits for its sidecar: a clean stop too, not the JVM's 143. A SIGHUP before that
     * (a ConfigMap change, a careless kill -HUP) neither kills it (129, without a word) nor is lost.
     */
    @ParameterizedTest(name = "SIGHUP first: {0}")
    @ValueSource(booleans = {false, true})
    void shouldStopCleanlyWhileWaitingForTheSidecar(boolean hangUpFirst) throws Exception {
        io.vertx.core.Vertx vertx = io.vertx.core.Vertx.vertx();
        try {
            var notReady = vertx.createHttpServer().requestHandler(r -> r.response().setStatusCode(503).end("not ready\n"));
            int sidecar = notReady.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS)
                    .actualPort();
            int port = RawServers.closedPort();
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:%d
                    mode: sidecar
                    envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/healthz/ready" }
                    targets:
                      - { name: identity, host: identity.test, port: 443 }
                    """.formatted(port, sidecar, sidecar));
            Process p = new ProcessBuilder(Jar.withTestHosts(List.of(), "run", "--config", config.toString()))
                    .redirectOutput(log().toFile()).redirectError(dir.resolve("stderr.log").toFile()).start();
            try {
                await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> Http.get(port, "/readyz").statusCode() == 503);
                if (hangUpFirst) {
                    Process hup = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
                    assertThat(hup.waitFor(10, TimeUnit.SECONDS) && hup.exitValue() == 0).as("kill -HUP").isTrue();
                    await("the SIGHUP logged").atMost(Duration.ofSeconds(30))
                            .until(() -> Files.readString(log()).contains("SIGHUP received while starting"));
                    assertThat(p.isAlive()).as("alive after SIGHUP while starting").isTrue();
                }

                p.destroy(); // SIGTERM

                assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("stops within 30 s").isTrue();
                assertThat(p.exitValue()).as(Files.readString(dir.resolve("stderr.log"))).isZero();
                assertThat(Files.readString(log())).contains("SIGTERM received: stopping").contains("\"stopped\"");
            } finally {
                p.destroyForcibly();
            }
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }
}
