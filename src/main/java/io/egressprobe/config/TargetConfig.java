package io.egressprobe.config;

import java.util.Map;
import java.util.Optional;

/** A target as written in the config, its settings already merged over {@code defaults}. */
public record TargetConfig(
        String name,
        String host,
        int port,
        String sni,
        TlsSettings tls,
        Optional<HttpCheck> http,
        ProbeSettings settings,
        Map<String, String> labels) {

    public TargetConfig {
        labels = Map.copyOf(labels);
    }
}
