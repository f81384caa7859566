package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.ApiRequest;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.KubernetesCalls;
import io.egressprobe.testing.Kustomize;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RbacApiServer;
import io.egressprobe.testing.RbacGrant;
import io.egressprobe.testing.Stop;
import io.egressprobe.testing.TestPki;
import io.fabric8.kubernetes.api.model.Event;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 31: Kubernetes Events through a restart, the shipped jar against the fabric8 mock API server that enforces the
 * shipped RBAC and records each request. The first run records {@code refused}'s Event; then the API server refuses to
 * create Events and {@code cut} (its server closed) fires: that Event is not delivered when the daemon stops. The next
 * run, against a fresh API server (the mock's event loop is not asked anything after the first run closed its watches),
 * creates {@code cut}'s Event from the state file once, and asks nothing about {@code refused}'s, delivered before the
 * stop: both alerts are confirmed by the new judgement, not fired again.
 */
class KubernetesEventRestartIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String NAMESPACE = KubernetesCalls.POD.namespace();

    @TempDir
    Path dir;

    @Test
    void shouldCreateAfterARestartTheEventTheApiServerRefusedBeforeItOnceAndNoneItHadRecorded() throws Exception {
        RbacGrant shipped = RbacGrant.of(Kustomize.render("k8s"), "egress-probe", "egress-probe");
        TestPki pki = new TestPki(dir);
        int refusedPort = RawServers.closedPort();
        TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        int cutPort = server.port();
        Path config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                mode: direct
                defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 5, for: 1s }
                targets:
                  - { name: refused, host: 127.0.0.1, port: %d }
                  - { name: cut, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                kubernetes: { enabled: true, events: true }
                alerting:
                  stateFile: %s
                """.formatted(refusedPort, cutPort, dir.resolve("alerts.json")));

        String refusedEvent;
        try (RbacApiServer first = RbacApiServer.start(shipped)) {
            KubernetesCalls.seed(first.admin());
            Daemon d = Daemon.start(first, config, dir.resolve("first.log"));
            try {
                await("refused's Event recorded").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> warnings(first).size() == 1);
                refusedEvent = warnings(first).get(0).getMetadata().getName();
                assertThat(firing(d.port)).as("cut is healthy so far").isEqualTo(Map.of("refused", "critical"));

                first.grant(shipped.without("", "events", "create"));
                server.close();
                await("cut fires and its Event is refused").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        // at its last level (critical: all its attempts fail from now), so that the next run confirms it
                        .until(() -> "critical".equals(firing(d.port).get("cut")) && first.denied().stream().anyMatch(r ->
                                r.resource().equals("events") && r.verb().equals("create")));
                assertThat(warnings(first)).as("only refused's Event").extracting(e -> e.getMetadata().getName())
                        .containsExactly(refusedEvent);
            } finally {
                d.stop();
            }
            // The first run's watches are closed: its API server is asked nothing more.
        }
        List<String> undelivered = new ArrayList<>();
        JSON.readTree(Files.readString(dir.resolve("alerts.json"))).at("/undelivered/kubernetes")
                .forEach(n -> undelivered.add(n.get("target").asText()));
        assertThat(undelivered).as("cut's Event, undelivered, is in the state file").contains("cut");

        try (RbacApiServer second = RbacApiServer.start(shipped)) {
            KubernetesCalls.seed(second.admin());
            Daemon d = Daemon.start(second, config, dir.resolve("second.log"));
            try {
                await("cut's Event, delivered by the next run").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> warnings(second).size() == 1);
                await("both targets past minSamples and for: judged again").atMost(Duration.ofSeconds(60))
                        .ignoreExceptions().until(() -> attempts(d.port, "refused") >= 30 && attempts(d.port, "cut") >= 30);
                JsonNode alerts = JSON.readTree(Http.get(d.port, "/api/v1/alerts").body());
                assertThat(alerts.get("recent")).as("confirmed, not fired again").isEmpty();
                assertThat(firing(d.port)).isEqualTo(Map.of("refused", "critical", "cut", "critical"));
            } finally {
                d.stop();
            }
            List<ApiRequest> events = second.requests().stream().filter(r -> r.resource().equals("events")).toList();
            assertThat(events).as("once: %s", second.requestLines())
                    .filteredOn(r -> r.verb().equals("create")).hasSize(1);
            assertThat(events).as("nothing about refused's Event, recorded before the stop: %s", second.requestLines())
                    .noneMatch(r -> r.name().equals(refusedEvent)).noneMatch(r -> r.verb().equals("patch"));
            assertThat(second.denied()).isEmpty();
        }
    }

    /** The Warning Events on the probe's Pod, as the test's own client sees them. */
    static List<Event> warnings(RbacApiServer api) {
        return api.admin().v1().events().inNamespace(NAMESPACE).list().getItems().stream()
                .filter(e -> "Warning".equals(e.getType())).toList();
    }

    /** Each firing EgressTargetFailing's target and level, as the daemon's API lists them. */
    static Map<String, String> firing(int port) throws Exception {
        Map<String, String> levels = new TreeMap<>();
        JSON.readTree(Http.get(port, "/api/v1/alerts").body()).get("active").forEach(a -> {
            if (a.get("alertname").asText().equals("EgressTargetFailing")) {
                levels.put(a.get("target").asText(), a.get("to").asText());
            }
        });
        return levels;
    }

    static double attempts(int port, String target) throws Exception {
        return PrometheusText.sum(PrometheusText.parse(Http.get(port, "/metrics").body()), "egress_probe_attempts_total",
                Map.of("target", target));
    }

    /** The shipped jar as the DaemonSet runs it, with the ServiceAccount's token; its port from the log's first line. */
    record Daemon(Process process, int port) {
        static Daemon start(RbacApiServer api, Path config, Path log) throws Exception {
            int port = RawServers.closedPort();
            Path ownConfig = config.resolveSibling(log.getFileName() + ".yaml");
            Files.writeString(ownConfig, Files.readString(config).replace("listen: 127.0.0.1:0", "listen: 127.0.0.1:" + port));
            List<String> command = Jar.withTestHosts(List.of("-Dkubernetes.master=" + api.url(),
                    "-Dkubernetes.auth.token=" + RbacApiServer.TOKEN, "-Dkubernetes.auth.tryKubeConfig=false",
                    "-Dkubernetes.auth.tryServiceAccount=false", "-Dkubernetes.namespace=" + NAMESPACE),
                    "run", "--config", ownConfig.toString());
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
            builder.environment().putAll(Map.of("POD_NAME", KubernetesCalls.POD.name(), "POD_NAMESPACE", NAMESPACE,
                    "NODE_NAME", KubernetesCalls.NODE));
            Process p = builder.start();
            try {
                await("ready").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Http.get(port, "/readyz").statusCode() == 200);
            } catch (ConditionTimeoutException e) {
                Stop.process(p);
                throw new AssertionError("not ready; the daemon's log:\n" + Files.readString(log), e);
            }
            return new Daemon(p, port);
        }

        /** SIGTERM: the daemon stops as Kubernetes stops it, and leaves the state file. */
        void stop() {
            Stop.process(process);
        }
    }
}
