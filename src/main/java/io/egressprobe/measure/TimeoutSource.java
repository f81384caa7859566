package io.egressprobe.measure;

import java.util.Locale;

/** Where the effective Envoy connect timeout of a target was learned, in order of precedence. */
public enum TimeoutSource {
    ENVOY_ADMIN, ENVOY_DEFAULT, CONFIG, DESTINATION_RULE, MESH_CONFIG, ISTIO_DEFAULT,
    /** ztunnel's fixed upstream connect timeout (ambient mode). */
    ZTUNNEL_DEFAULT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
