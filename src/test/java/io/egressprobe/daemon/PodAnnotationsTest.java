package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PodAnnotationsTest {
    /** As the kubelet writes the downward API's file: one {@code key="value"} a line, the value a quoted Go string. */
    @Test
    void shouldReadTheDownwardApisFormatWithQuotedAndEscapedValues() {
        PodAnnotations a = PodAnnotations.parse("""
                ambient.istio.io/redirection="enabled"
                kubectl.kubernetes.io/last-applied-configuration="{\\"kind\\":\\"Pod\\"}"
                broken line without an equals sign
                """);

        assertThat(a.ambientRedirected()).isTrue();
        assertThat(a.values()).containsEntry("kubectl.kubernetes.io/last-applied-configuration", "{\"kind\":\"Pod\"}")
                .hasSize(2);
        assertThat(PodAnnotations.parse("ambient.istio.io/redirection=\"disabled\"\n").ambientRedirected()).isFalse();
        assertThat(PodAnnotations.read(Path.of("/nonexistent/annotations")).values()).isEmpty();
    }

    /** The DaemonSet mounts the file where mode auto reads it. */
    @Test
    void shouldBeMountedByTheDaemonSetWhereTheDaemonReadsIt() throws IOException {
        String daemonSet = Files.readString(Path.of("k8s/base/daemonset.yaml"));
        Path file = Path.of(PodAnnotations.DEFAULT_FILE);

        assertThat(daemonSet).contains("mountPath: " + file.getParent())
                .contains("- path: " + file.getFileName())
                .contains("fieldPath: metadata.annotations");
    }
}
