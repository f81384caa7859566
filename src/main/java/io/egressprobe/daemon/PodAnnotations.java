package io.egressprobe.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The pod's own annotations, as the downward API writes them to a file ({@code key="value"} per line, the value
 * escaped as a Go string). A missing or unreadable file is no annotations: outside Kubernetes, or a manifest without
 * the volume.
 */
record PodAnnotations(Map<String, String> values) {
    /** Set by istio-cni on a pod whose traffic ztunnel carries ({@code enabled}). */
    static final String AMBIENT_REDIRECTION = "ambient.istio.io/redirection";
    static final String DEFAULT_FILE = "/etc/podinfo/annotations";

    /** Where the manifests mount it; {@code EGRESS_PROBE_POD_ANNOTATIONS} names another file. */
    static Path file() {
        String set = System.getenv("EGRESS_PROBE_POD_ANNOTATIONS");
        return Path.of(set == null || set.isBlank() ? DEFAULT_FILE : set);
    }

    static PodAnnotations read(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return new PodAnnotations(Map.of());
        }
    }

    static PodAnnotations parse(String text) {
        Map<String, String> values = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq <= 0) {
                continue;
            }
            String value = line.substring(eq + 1).trim();
            if (value.length() >= 2 && value.startsWith("\"") && value.endsWith("\"")) {
                value = value.substring(1, value.length() - 1).replace("\\\"", "\"").replace("\\\\", "\\");
            }
            values.put(line.substring(0, eq).trim(), value);
        }
        return new PodAnnotations(Map.copyOf(values));
    }

    boolean ambientRedirected() {
        return "enabled".equals(values.get(AMBIENT_REDIRECTION));
    }
}
