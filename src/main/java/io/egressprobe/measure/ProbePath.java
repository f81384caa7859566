package io.egressprobe.measure;

import java.util.Locale;

/** Whether the probe's socket reaches the host itself or through the local Envoy sidecar. */
public enum ProbePath {
    DIRECT, SIDECAR;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
