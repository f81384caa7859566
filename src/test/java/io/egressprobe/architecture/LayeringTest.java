package io.egressprobe.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/architecture.md §3: the core ({@code config}, {@code target}, {@code measure}, {@code window}, {@code alert}) imports no
 * framework and no edge package, and takes time from an injected clock.
 */
class LayeringTest {
    private static final Path MAIN = Path.of("src/main/java/io/egressprobe");
    private static final List<String> FORBIDDEN_IMPORTS = List.of("import io.vertx", "import io.netty", "import io.fabric8",
            "import io.micrometer", "import io.egressprobe.probe", "import io.egressprobe.metrics", "import io.egressprobe.http",
            "import io.egressprobe.daemon", "import io.egressprobe.cli", "import io.egressprobe.demo",
            "import io.egressprobe.notify", "import io.egressprobe.kube");
    private static final List<String> SYSTEM_TIME = List.of("System.currentTimeMillis", "System.nanoTime", "Instant.now()",
            "Clock.systemUTC", "Clock.systemDefaultZone", "LocalDateTime.now");

    @ParameterizedTest
    @ValueSource(strings = {"config", "target", "measure", "window", "alert"})
    void shouldKeepTheCoreFreeOfFrameworksEdgesAndTheSystemClock(String corePackage) throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN.resolve(corePackage))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                List<String> lines = Files.readAllLines(file);
                for (int i = 0; i < lines.size(); i++) {
                    String line = lines.get(i);
                    for (String bad : FORBIDDEN_IMPORTS) {
                        if (line.startsWith(bad)) {
                            violations.add(file.getFileName() + ":" + (i + 1) + " " + line);
                        }
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

    @org.junit.jupiter.api.Test
    void shouldKeepVertxOutOfTheKubernetesPackage() throws IOException {
        try (Stream<Path> files = Files.walk(MAIN.resolve("kube"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".java")).toList()) {
                assertThat(Files.readAllLines(file)).as(file.toString()).noneMatch(l -> l.startsWith("import io.vertx"));
            }
        }
    }
}
