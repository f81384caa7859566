package io.egressprobe.config;

/** {@code enabled}: auto (when running in a pod), true or false. */
public record KubernetesSettings(Toggle enabled, boolean events) {
    public static final KubernetesSettings DEFAULT = new KubernetesSettings(Toggle.AUTO, true);

    public enum Toggle { AUTO, TRUE, FALSE }
}
