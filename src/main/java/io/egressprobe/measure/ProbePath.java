package io.egressprobe.measure;

import java.util.Locale;

/** Whether the probe's socket reaches the host itself or through the local Envoy sidecar. */
public enum ProbePath {
    DIRECT, SIDECAR;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What the upstream connect is on this path, in words, as the API and {@code check} name it. */
    public String upstreamMeasure() {
        return this == DIRECT ? "tcp connect" : "time to ServerHello through the sidecar";
    }
}
