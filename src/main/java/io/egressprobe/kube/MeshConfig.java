package io.egressprobe.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.measure.GoDuration;
import java.time.Duration;
import java.util.Optional;

/** {@code connectTimeout} from the {@code mesh} key of Istio's mesh ConfigMap (a YAML document in a string). Pure. */
public final class MeshConfig {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private MeshConfig() {}

    /** The ConfigMap Istio reads: {@code istio}, or {@code istio-<revision>} for a revisioned control plane. */
    public static String configMapName(Optional<String> revision) {
        return revision.filter(r -> !r.isBlank() && !r.equals("default")).map(r -> "istio-" + r).orElse("istio");
    }

    /** @throws IllegalArgumentException when {@code mesh} is not YAML */
    public static Optional<Duration> connectTimeout(String mesh) {
        if (mesh == null) {
            return Optional.empty();
        }
        try {
            JsonNode root = YAML.readTree(mesh);
            JsonNode value = root == null ? null : root.get("connectTimeout");
            return value == null || value.isNull() ? Optional.empty() : Optional.of(GoDuration.parse(value.asText()));
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("mesh config is not YAML: " + e.getOriginalMessage());
        }
    }
}
