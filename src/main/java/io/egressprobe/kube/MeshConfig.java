package io.egressprobe.kube;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.measure.GoDuration;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;

/**
 * From the {@code mesh} key of Istio's mesh ConfigMap (a YAML document in a string): {@code connectTimeout}, and what
 * DestinationRule lookup needs, {@code rootNamespace} (default {@code istio-system}) and
 * {@code defaultDestinationRuleExportTo} (absent: exported everywhere). Pure.
 */
public final class MeshConfig {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private MeshConfig() {}

    /** The ConfigMap Istio reads: {@code istio}, or {@code istio-<revision>} for a revisioned control plane. */
    public static String configMapName(Optional<String> revision) {
        return revision.filter(r -> !r.isBlank() && !r.equals("default")).map(r -> "istio-" + r).orElse("istio");
    }

    /** @throws IllegalArgumentException when {@code mesh} is not YAML */
    public static Optional<Duration> connectTimeout(String mesh) {
        JsonNode value = read(mesh).path("connectTimeout");
        return value.isMissingNode() || value.isNull() ? Optional.empty() : Optional.of(GoDuration.parse(value.asText()));
    }

    /**
     * Istio 1.31's mesh-wide baseline {@code defaultTrafficPolicy.connectionPool.tcp.connectTimeout} (istio/api
     * {@code mesh/v1alpha1/config.proto}, {@code MeshConfig.DefaultTrafficPolicy}), read by
     * {@link DestinationRules#connectTimeout(Optional, int, Optional)}; empty where not set (and always before 1.31).
     *
     * @throws IllegalArgumentException when {@code mesh} is not YAML, or the value is not a duration
     */
    public static Optional<Duration> defaultConnectTimeout(String mesh) {
        JsonNode value = read(mesh).path("defaultTrafficPolicy").path("connectionPool").path("tcp").path("connectTimeout");
        if (value.isMissingNode() || value.isNull()) {
            return Optional.empty();
        }
        try {
            return Optional.of(GoDuration.parse(value.asText()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("defaultTrafficPolicy.connectionPool.tcp.connectTimeout: " + e.getMessage());
        }
    }

    /**
     * The Istio release that installed the control plane, from the ConfigMap's {@code app.kubernetes.io/version} label
     * (Istio's Helm charts put {@code .Chart.AppVersion} there from 1.24, {@code istio.labels} in
     * manifests/charts/istio-control/istio-discovery/templates/zzz_profile.yaml); empty where absent or not a version.
     */
    public static Optional<io.egressprobe.route.IstioVersion> version(java.util.Map<String, String> configMapLabels) {
        return Optional.ofNullable(configMapLabels == null ? null : configMapLabels.get("app.kubernetes.io/version"))
                .flatMap(io.egressprobe.route.IstioVersion::parse);
    }

    /**
     * {@code rootNamespace} and {@code defaultDestinationRuleExportTo}, with Istio's defaults where absent.
     *
     * @throws IllegalArgumentException when {@code mesh} is not YAML
     */
    public static DestinationRuleIndex.Mesh destinationRules(String mesh) {
        JsonNode root = read(mesh);
        String rootNamespace = root.path("rootNamespace").asText("");
        Set<String> exportTo = new LinkedHashSet<>();
        root.path("defaultDestinationRuleExportTo").forEach(e -> exportTo.add(e.asText()));
        return new DestinationRuleIndex.Mesh(rootNamespace.isEmpty() ? DestinationRuleIndex.DEFAULT_ROOT_NAMESPACE : rootNamespace,
                exportTo);
    }

    private static JsonNode read(String mesh) {
        if (mesh == null) {
            return MissingNode.getInstance();
        }
        try {
            JsonNode root = YAML.readTree(mesh);
            return root == null ? MissingNode.getInstance() : root;
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("mesh config is not YAML: " + e.getOriginalMessage());
        }
    }
}
