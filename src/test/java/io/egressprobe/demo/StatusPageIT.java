package io.egressprobe.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.daemon.ProbeDaemon;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.RawServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in headless Chromium (Debian's), against the demo run 8 times faster so that slow and
 * cut connects are in the window. The screenshot is kept as target/status-page.png.
 */
class StatusPageIT {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
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

    /** Chromium as this machine allows it: no sandbox as root, nothing in the background, only 127.0.0.1 resolves. */
    List<String> chromium(String... extra) {
        List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--user-data-dir=" + dir.resolve("profile-" + extra.length),
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1", "--enable-logging=stderr", "--v=0",
                "--virtual-time-budget=8000", "--window-size=1280,1400", "--hide-scrollbars"));
        command.addAll(List.of(extra));
        command.add("http://127.0.0.1:" + port + "/");
        return command;
    }

    static String run(List<String> command, Path stderr) throws Exception {
        Process p = new ProcessBuilder(command).redirectError(stderr.toFile()).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finishes").isTrue();
        return out;
    }

    @Test
    void shouldRenderEachTargetsChartWithItsTimeoutAndLevelWithoutErrorsOrRequestsElsewhere() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "SKIPPED: " + CHROMIUM + " is missing (apt-get install chromium)");
        port = RawServers.closedPort();
        demo = DemoSetup.start(dir, port, Scenario.DEGRADING, 8, 7);
        daemon = RunningDaemon.start(demo.configFile(),
                new ProbeDaemon.Intervals(Duration.ofSeconds(60), Duration.ofMillis(1250), Duration.ofSeconds(30)));
        await("slow and cut connects in the window").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() ->
                new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).at("/targets/0/window/censored").asInt() >= 1);

        String dom = run(chromium("--dump-dom"), dir.resolve("chromium-dom.err"));

        assertThat(dom).contains("data-loaded=\"true\"").contains("data-errors=\"0\"");
        assertThat(dom).contains("data-target=\"identity\"").contains("class=\"timeout\"").contains("class=\"median\"")
                .contains("class=\"band\"").containsPattern("class=\"cut\"");
        Matcher points = Pattern.compile("data-points=\"(\\d+)\"").matcher(dom);
        assertThat(points.find()).isTrue();
        assertThat(Integer.parseInt(points.group(1))).isPositive();
        assertThat(dom).containsPattern("class=\"level (ok|warning|critical)\"");
        Matcher resources = Pattern.compile("<pre id=\"resources\" class=\"hidden\">([^<]*)</pre>").matcher(dom);
        assertThat(resources.find()).isTrue();
        assertThat(resources.group(1).lines().toList()).isNotEmpty()
                .allSatisfy(r -> assertThat(r).startsWith("http://127.0.0.1:" + port + "/"));
        assertThat(Files.readString(dir.resolve("chromium-dom.err"))).as("console errors").doesNotContain("Uncaught");

        Path screenshot = Path.of("target/status-page.png").toAbsolutePath();
        run(chromium("--screenshot=" + screenshot), dir.resolve("chromium-shot.err"));
        assertThat(screenshot).exists();
        assertThat(Files.size(screenshot)).isGreaterThan(10_000);
    }
}
