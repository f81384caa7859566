package io.egressprobe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every rule has a file in {@code config/invalid/} whose {@code # expect:} lines are exactly the
 * messages a user reads, in order ({@code # expect-prefix:} where the parser's own wording follows).
 */
class ConfigValidationTest {
    private static final Path INVALID = Path.of("src/test/resources/config/invalid");

    static Stream<Path> invalidFiles() throws IOException {
        return Files.list(INVALID).filter(p -> p.toString().endsWith(".yaml")).sorted();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("invalidFiles")
    void shouldRejectEachInvalidFileWithTheExactMessages(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        String dir = file.toAbsolutePath().getParent().toString();
        List<String> expected = lines.stream().filter(l -> l.startsWith("# expect: "))
                .map(l -> l.substring("# expect: ".length()).replace("${dir}", dir)).toList();
        List<String> prefixes = lines.stream().filter(l -> l.startsWith("# expect-prefix: "))
                .map(l -> l.substring("# expect-prefix: ".length())).toList();
        assertThat(expected.size() + prefixes.size()).as("the file states what it expects").isPositive();

        InvalidConfigException e = catchThrowableOfType(InvalidConfigException.class, () -> ConfigLoader.load(file));

        assertThat(e).as("%s is rejected", file.getFileName()).isNotNull();
        List<String> actual = e.problems().stream().map(ConfigProblem::toString).toList();
        if (prefixes.isEmpty()) {
            assertThat(actual).containsExactlyElementsOf(expected);
        } else {
            assertThat(actual).hasSize(prefixes.size());
            for (int i = 0; i < prefixes.size(); i++) {
                assertThat(actual.get(i)).startsWith(prefixes.get(i));
            }
        }
    }

    @Test
    void shouldAcceptTheDesignExampleAndApplyItsValues() throws Exception {
        ProbeConfig c = ConfigLoader.load(Path.of("src/test/resources/config/valid/design-example.yaml"));

        assertThat(c.listen()).isEqualTo(new ListenAddress("0.0.0.0", 9478));
        assertThat(c.mode()).isEqualTo(Mode.AUTO);
        assertThat(c.defaults().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.defaults().envoyConnectTimeout()).isEmpty();
        Target t = c.targets().get(0);
        assertThat(t.name()).isEqualTo("identity");
        assertThat(t.settings().interval()).as("target override").isEqualTo(Duration.ofSeconds(1));
        assertThat(t.settings().probeTimeout()).as("inherited from defaults").isEqualTo(Duration.ofSeconds(15));
        assertThat(t.tls()).isEqualTo(TlsSettings.DEFAULT);
        assertThat(t.http()).contains(new HttpCheck("/healthz", java.util.Set.of(200)));
        assertThat(t.labels()).containsEntry("team", "iam");
        assertThat(c.alerting().alertmanagerUrl()).isEmpty();
        assertThat(c.envoy().refresh()).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldDefaultPortAndSniAndVerifyCertificates() throws Exception {
        ProbeConfig c = ConfigParser.parse("targets:\n  - name: a\n    host: a.example.com\n");

        Target t = c.targets().get(0);
        assertThat(t.port()).isEqualTo(443);
        assertThat(t.sni()).isEqualTo("a.example.com");
        assertThat(t.tls().verify()).isTrue();
        assertThat(t.settings()).isEqualTo(ProbeSettings.BUILT_IN);
        assertThat(t.http()).isEmpty();
    }

    @Test
    void shouldAcceptAnExplicitEnvoyTimeoutAsTheConfigSource() throws Exception {
        ProbeConfig c = ConfigParser.parse("""
                defaults: { envoyConnectTimeout: 1s, probeTimeout: 3s }
                targets: [ { name: a, host: a.example.com, envoyConnectTimeout: 0.250s } ]
                """);

        assertThat(c.defaults().envoyConnectTimeout()).contains(Duration.ofSeconds(1));
        assertThat(c.targets().get(0).settings().envoyConnectTimeout()).isEqualTo(Optional.of(Duration.ofMillis(250)));
    }

    @Test
    void shouldAllowNoTargetsWhenDiscoveryIsOn() throws Exception {
        ProbeConfig c = ConfigParser.parse("discovery: { serviceEntries: { enabled: true } }\n");

        assertThat(c.targets()).isEmpty();
        assertThat(c.discovery().serviceEntriesEnabled()).isTrue();
    }
}
