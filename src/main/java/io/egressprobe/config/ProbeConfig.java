package io.egressprobe.config;

import java.util.List;

/** A whole, valid config file. Build one with {@link ConfigParser}. */
public record ProbeConfig(
        ListenAddress listen,
        Mode mode,
        ProbeSettings defaults,
        List<Target> targets,
        DiscoverySettings discovery,
        EnvoySettings envoy,
        KubernetesSettings kubernetes,
        AlertingSettings alerting,
        MetricsSettings metrics) {

    public ProbeConfig {
        targets = List.copyOf(targets);
    }
}
