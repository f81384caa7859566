package io.egressprobe.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.daemon.Intervals;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo's story with its timeline run 4 times faster: a 4-minute cycle in 60 s. Faster, the probe's 100 ms floor
 * leaves too few connects in the tail's ramp for its p99 to pass half the timeout before it passes 80% (ok → critical
 * at once, in 2 of 4 runs at 8 times).
 */
class DemoScenarioIT {
    static final double SPEED = 4;
    @TempDir
    Path dir;
    DemoSetup demo;
    RunningDaemon daemon;
    int port;

    @AfterEach
    void tearDown() throws Exception {
        if (daemon != null) {
            daemon.close();
        }
        if (demo != null) {
            demo.close();
        }
    }

    void start(Scenario scenario) throws Exception {
        port = RawServers.closedPort();
        demo = DemoSetup.start(dir, port, scenario, SPEED, 7);
        daemon = RunningDaemon.start(demo.configFile(),
                new Intervals(Duration.ofSeconds(60), Duration.ofMillis((long) (Intervals.ALERT_EVALUATION.toMillis() / SPEED)),
                        Duration.ofSeconds(30)));
    }

    /** Transitions, oldest first. */
    List<JsonNode> transitions() throws Exception {
        List<JsonNode> recent = new ArrayList<>();
        new ObjectMapper().readTree(Http.get(port, "/api/v1/alerts").body()).get("recent").forEach(recent::add);
        java.util.Collections.reverse(recent);
        return recent;
    }

    static String label(JsonNode t) {
        return t.get("alertname").asText() + " " + t.get("from").asText() + "->" + t.get("to").asText();
    }

    double suspectedSynLosses() throws Exception {
        return PrometheusText.value(PrometheusText.parse(Http.get(port, "/metrics").body()),
                "egress_probe_syn_retransmit_suspected_total", "egress_probe_syn_retransmit_suspected_total",
                Map.of("target", "identity")).orElseThrow();
    }

    @Test
    void shouldWarnThenGoCriticalThenResolveInTheDegradingScenario() throws Exception {
        start(Scenario.DEGRADING);
        double[] suspected = {0};

        await("warning, critical, and every alert resolved").atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofSeconds(1))
                .until(() -> {
                    suspected[0] = Math.max(suspected[0], suspectedSynLosses());
                    List<JsonNode> t = transitions();
                    return t.stream().anyMatch(x -> x.get("to").asText().equals("critical"))
                            && t.stream().filter(x -> x.get("to").asText().equals("ok")).count()
                            == t.stream().filter(x -> x.get("from").asText().equals("ok")).count();
                });
        List<JsonNode> t = transitions();
        assertThat(label(t.get(0))).as("the warning comes first: %s", t.stream().map(DemoScenarioIT::label).toList())
                .isEqualTo("EgressConnectLatencyNearTimeout ok->warning");
        int firstCritical = t.stream().map(x -> x.get("to").asText()).toList().indexOf("critical");
        int lastResolve = t.stream().map(x -> x.get("to").asText()).toList().lastIndexOf("ok");
        assertThat(firstCritical).isPositive();
        assertThat(lastResolve).isGreaterThan(firstCritical);
        assertThat(suspected[0]).as("cuts at the timeout are never counted as lost SYNs").isZero();
        assertThat(t).extracting(x -> x.get("description").asText())
                .noneSatisfy(d -> assertThat(d).contains("lost SYNs;"))
                .anySatisfy(d -> assertThat(d).contains("attempts were cut at the timeout: the connect took longer than 1s"));
        await("the demo sidecar's own count of its cuts, read from its admin API").atMost(Duration.ofSeconds(30))
                .until(() -> new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body())
                        .at("/targets/0/envoy/connectTimeouts").asLong() > 0);
        JsonNode envoy = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).at("/targets/0/envoy");
        assertThat(envoy.get("status").asText()).isEqualTo("ok");
        assertThat(envoy.get("connections").asLong()).isGreaterThan(envoy.get("connectTimeouts").asLong());
        assertThat(envoy.at("/connectQuantileSeconds/0.5").asDouble()).isPositive();
    }

    @Test
    void shouldCountTheLostSynsThatCompleteInTheSynLossScenario() throws Exception {
        start(Scenario.SYN_LOSS);

        await("a lost SYN, completed behind the 2s timeout").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                .until(() -> suspectedSynLosses() >= 1);
        JsonNode window = new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).at("/targets/0/window");
        assertThat(window.get("censored").asInt()).as("nothing cut behind 2s").isZero();
    }

    @Test
    void shouldFireNothingInTheHealthyScenario() throws Exception {
        start(Scenario.HEALTHY);
        // 100 attempts (over a minute and a half of scenario time), the window well past minSamples.
        await().atMost(Duration.ofSeconds(40)).until(() -> new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body())
                .at("/targets/0/window/count").asInt() >= 100);

        assertThat(transitions()).isEmpty();
    }
}
