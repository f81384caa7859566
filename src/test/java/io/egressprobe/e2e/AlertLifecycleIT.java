package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.testing.AlertmanagerProcess;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A firing alert through what changes around it, against a real Alertmanager: a reload that rebuilds the notifiers
 * keeps it active past the {@code endsAt} it had, and the removal of its target resolves it saying so.
 */
class AlertLifecycleIT {
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CONFIG = """
            listen: 127.0.0.1:0
            mode: direct
            defaults: { interval: 100ms, envoyConnectTimeout: 1s, probeTimeout: 2s, window: 1m, minSamples: 5, for: 1s }
            targets:
            %s
            alerting:
              alertmanager: { url: "http://127.0.0.1:%d", resend: %s }
            """;
    @TempDir
    Path dir;
    Path config;
    int refusedPort;

    @BeforeEach
    void setUp() throws Exception {
        AlertmanagerProcess.assumeInstalled();
        config = dir.resolve("config.yaml");
        refusedPort = RawServers.closedPort();
    }

    String targets(boolean withRefused) {
        return (withRefused ? "  - { name: refused, host: 127.0.0.1, port: %d }\n".formatted(refusedPort) : "")
                + "  - { name: other, host: 127.0.0.1, port: %d }".formatted(refusedPort);
    }

    /** The daemon on both targets, once refused's EgressTargetFailing is active in Alertmanager. */
    RunningDaemon firing(AlertmanagerProcess am) throws Exception {
        Files.writeString(config, CONFIG.formatted(targets(true), am.port(), "1s"));
        RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST);
        try {
            await("EgressTargetFailing for refused in Alertmanager").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> active(am, "refused").isPresent());
            return daemon;
        } catch (RuntimeException | Error e) {
            daemon.close();
            throw e;
        }
    }

    @Test
    void shouldKeepAFiringAlertActiveInAlertmanagerAcrossAReloadThatChangesAlerting() throws Exception {
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort());
             RunningDaemon daemon = firing(am)) {
            Files.writeString(config, CONFIG.formatted(targets(true), am.port(), "2s"));
            assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);
            Instant endsAtBeforeReload = Instant.parse(active(am, "refused").orElseThrow().get("endsAt").asText());

            await("past the endsAt Alertmanager had before the reload").atMost(Duration.ofSeconds(30))
                    .until(() -> Instant.now().isAfter(endsAtBeforeReload.plusSeconds(2)));

            assertThat(active(am, "refused")).as("resent by the notifiers the reload built").isPresent();
        }
    }

    @Test
    void shouldResolveTheAlertsOfARemovedTargetSayingItWasRemovedNotThatItRecovered() throws Exception {
        try (AlertmanagerProcess am = AlertmanagerProcess.start(dir, RawServers.closedPort());
             RunningDaemon daemon = firing(am)) {
            Files.writeString(config, CONFIG.formatted(targets(false), am.port(), "1s"));
            assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);

            await("resolved in Alertmanager").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                    .ignoreExceptions().until(() -> active(am, "refused").isEmpty());
            // Alertmanager's API lists no resolved alert; the resolve it got carries the annotations the API shows.
            JsonNode recent = JSON.readTree(Http.get(daemon.port(), "/api/v1/alerts").body()).get("recent");
            assertThat(recent).filteredOn(a -> a.get("target").asText().equals("refused")
                            && a.get("to").asText().equals("ok")).singleElement()
                    .satisfies(a -> assertThat(a.at("/annotations/summary").asText())
                            .contains("the target was removed from the configuration").doesNotContain("succeed again"));
            assertThat(active(am, "other")).as("the target that stays keeps firing").isPresent();
        }
    }

    static List<JsonNode> ours(AlertmanagerProcess am, String target) throws Exception {
        List<JsonNode> found = new ArrayList<>();
        JSON.readTree(am.alerts().body()).forEach(a -> {
            if (a.at("/labels/target").asText().equals(target) && a.at("/labels/alertname").asText().equals("EgressTargetFailing")) {
                found.add(a);
            }
        });
        return found;
    }

    static Optional<JsonNode> active(AlertmanagerProcess am, String target) throws Exception {
        return ours(am, target).stream().filter(a -> a.at("/status/state").asText().equals("active")
                && Instant.parse(a.get("endsAt").asText()).isAfter(Instant.now())).findFirst();
    }
}
