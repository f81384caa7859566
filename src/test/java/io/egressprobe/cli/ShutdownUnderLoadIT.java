package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.Jar;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shipped jar with 2,000 targets, hundreds of attempts hanging, then SIGTERM. */
class ShutdownUnderLoadIT {
    @TempDir
    Path dir;

    @Test
    void shouldStayHealthyWithTwoThousandTargetsAndStopCleanlyWithAttemptsInFlight() throws Exception {
        int port = RawServers.closedPort();
        try (RawServers.Server silent = RawServers.silent()) {
            StringBuilder config = new StringBuilder("""
                    listen: 127.0.0.1:%d
                    mode: direct
                    defaults: { interval: 5s, probeTimeout: 15s, envoyConnectTimeout: 1s }
                    targets:
                    """.formatted(port));
            for (int i = 0; i < 2000; i++) {
                config.append("  - { name: t").append(i).append(", host: 127.0.0.1, port: ").append(silent.port())
                        .append(", tls: { verify: false } }\n");
            }
            Files.writeString(dir.resolve("config.yaml"), config);
            Path out = dir.resolve("out.log");
            Process p = new ProcessBuilder(Jar.command("run", "--config", dir.resolve("config.yaml").toString()))
                    .redirectErrorStream(true).redirectOutput(out.toFile()).start();
            try {
                // Ready means every target has started; the first ones probe while the last are still being set up.
                await("ready, and 500 attempts hanging").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> Http.get(port, "/readyz").statusCode() == 200 && silent.accepted() >= 500);

                assertThat(new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets")).hasSize(2000);
                assertThat(PrometheusText.parse(Http.get(port, "/metrics").body())).containsKey("egress_probe_target_info");

                p.destroy(); // SIGTERM

                assertThat(p.waitFor(20, TimeUnit.SECONDS)).as("stops within the pod's grace period").isTrue();
                assertThat(p.exitValue()).isZero();
            } finally {
                p.destroyForcibly();
            }
            List<String> lines = Files.readAllLines(out);
            assertThat(lines).as("no stack traces").noneMatch(l -> l.contains("\\tat ") || l.startsWith("\tat ")
                    || l.contains("Exception in thread"));
        }
    }
}
