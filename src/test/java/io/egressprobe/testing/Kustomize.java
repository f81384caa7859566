package io.egressprobe.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** What {@code kubectl kustomize DIR} renders, as objects; skips the test where kubectl is missing. */
public final class Kustomize {
    private Kustomize() {}

    /** The rendered YAML, as kubectl prints it. */
    public static String text(String dir) throws IOException, InterruptedException {
        Path kubectl = Path.of("/usr/bin/kubectl");
        Assumptions.assumeTrue(Files.isExecutable(kubectl), "SKIPPED: kubectl is missing (apt-get install kubernetes-client)");
        Process p = new ProcessBuilder(kubectl.toString(), "kustomize", dir).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize %s", dir).isZero();
        return out;
    }

    public static List<HasMetadata> render(String dir) throws IOException, InterruptedException {
        String out = text(dir);
        List<HasMetadata> docs = new ArrayList<>();
        for (String doc : out.split("(?m)^---$")) {
            if (!doc.isBlank()) {
                docs.add(Serialization.unmarshal(doc, HasMetadata.class));
            }
        }
        return docs;
    }
}
