package io.egressprobe.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/architecture.md §3: the core ({@code config}, {@code target}, {@code measure}, {@code window}, {@code alert},
 * {@code route}) imports no
 * framework and no edge package, and takes time from an injected clock.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/io/egressprobe");
    /** Imported or written out in full (an inline {@code io.vertx.core.Future} is as much a dependency as an import). */
    private static final Pattern FORBIDDEN = Pattern.compile("\\b(io\\.(vertx|netty|fabric8|micrometer)"
            + "|io\\.egressprobe\\.(probe|metrics|http|daemon|cli|demo|notify|kube))\\.");
    private static final Pattern VERTX = Pattern.compile("\\bio\\.vertx\\.");
    private static final List<String> SYSTEM_TIME = List.of("System.currentTimeMillis", "System.nanoTime", "Instant.now()",
            "Clock.systemUTC", "Clock.systemDefaultZone", "LocalDateTime.now");

    @ParameterizedTest
    @ValueSource(strings = {"config", "target", "measure", "window", "alert", "route"})
    void shouldKeepTheCoreFreeOfFrameworksEdgesAndTheSystemClock(String corePackage) throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve(corePackage))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = code(lines.get(i));
                    if (FORBIDDEN.matcher(line).find()) {
                        violations.add(file.getFileName() + ":" + (i + 1) + " " + line.trim());
                    }
                    for (String bad : SYSTEM_TIME) {
                        if (line.contains(bad)) {
                            violations.add(file.getFileName() + ":" + (i + 1) + " reads the system clock: " + line.trim());
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    /**
     * Issue 31: a target's window, failures, cuts, evaluator and levels have one owner, the pure {@code TargetCore};
     * the daemon's classes reach them only through it, never by building a window or an evaluator of their own, and
     * never by computing statistics or a judgement beside it ({@code check} judges through the core's
     * {@code judgeNow}).
     */
    @Test
    void shouldLeaveTheTargetsWindowAndJudgementToTheirOneOwner() throws IOException {
        Pattern owned = Pattern.compile("new (SampleWindow|AddressWindow|AlertEvaluator)\\b"
                + "|\\b(WindowStatistics\\.compute|AlertEvaluator\\.once)\\b");
        List<String> violations = new ArrayList<>();
        for (String edge : List.of("daemon", "metrics", "http", "notify", "cli")) {
            try (Stream<Path> files = Files.walk(MAIN.resolve(edge))) {
                for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                    List<String> lines = Files.readAllLines(file);
                    for (int i = 0; i < lines.size(); i++) {
                        if (owned.matcher(code(lines.get(i))).find()) {
                            violations.add(edge + "/" + file.getFileName() + ":" + (i + 1) + " " + lines.get(i).trim());
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    /**
     * Issue 31: the meters read what they show from the target's state; the daemon hands them only an attempt's own
     * sample ({@code record}), the config's label keys and their end, so no write elsewhere has to remember to tell them.
     */
    @Test
    void shouldTellTheMetersNothingTheyCanRead() throws IOException {
        Pattern call = Pattern.compile("\\bmeters(\\(\\))?\\.(\\w+)\\(");
        Set<String> allowed = Set.of("record", "remove", "setInfoLabelKeys");
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve("daemon"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    Matcher m = call.matcher(code(lines.get(i)));
                    while (m.find()) {
                        if (!allowed.contains(m.group(2))) {
                            violations.add(file.getFileName() + ":" + (i + 1) + " " + lines.get(i).trim());
                        }
                    }
                }
            }
        }
        assertThat(violations).isEmpty();
    }

    @Test
    void shouldKeepVertxOutOfTheKubernetesPackage() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN.resolve("kube"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                assertThat(Files.readAllLines(file)).as(file.toString()).noneMatch(l -> VERTX.matcher(code(l)).find());
            }
        }
    }

    /** The daemon builds the endpoints; they read it through their own interfaces (http.ProbeView), not back. */
    @Test
    void shouldKeepTheDaemonOutOfTheHttpPackage() throws IOException {
        Pattern daemon = Pattern.compile("\\bio\\.egressprobe\\.daemon\\.");
        try (Stream<Path> files = Files.walk(MAIN.resolve("http"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                assertThat(Files.readAllLines(file)).as(file.toString()).noneMatch(l -> daemon.matcher(code(l)).find());
            }
        }
    }

    /** Dashboards and rules depend on the names: one file holds them all. */
    @Test
    void shouldNameEveryMetricInMetricNames() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java") && !f.endsWith("MetricNames.java")).toList()) {
                assertThat(Files.readAllLines(file)).as(file.toString())
                        .noneMatch(l -> code(l).contains("\"egress.probe.") || code(l).contains("\"egress_probe_"));
            }
        }
    }

    @Test
    void shouldSeeANameWrittenOutInFullAsADependency() {
        assertThat(FORBIDDEN.matcher(code("        io.vertx.core.Future<Void> f = null;")).find()).isTrue();
        assertThat(FORBIDDEN.matcher(code("    private final io.egressprobe.metrics.TargetMeters meters;")).find()).isTrue();
        assertThat(FORBIDDEN.matcher(code(" * {@link io.vertx.core.Future} in a comment")).find()).isFalse();
        assertThat(FORBIDDEN.matcher(code("    int x; // io.vertx.core.Vertx, said in passing")).find()).isFalse();
    }

    /** The line without its comment: a name in a comment or Javadoc is no dependency. */
    static String code(String line) {
        String trimmed = line.trim();
        if (trimmed.startsWith("*") || trimmed.startsWith("/*") || trimmed.startsWith("//")) {
            return "";
        }
        int comment = line.indexOf("//");
        return comment < 0 ? line : line.substring(0, comment);
    }
}
