package io.egressprobe.measure;

import java.util.Locale;

/**
 * Whether the probe's socket reaches the host itself, through the local Envoy sidecar, or through ambient mode's
 * ztunnel (which, like a sidecar, accepts the connect at once and dials the host itself).
 */
public enum ProbePath {
    DIRECT, SIDECAR, AMBIENT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** What the upstream connect is on this path, in words, as the API and {@code check} name it. */
    public String upstreamMeasure() {
        return switch (this) {
            case DIRECT -> "tcp connect";
            case SIDECAR -> "time to ServerHello through the sidecar";
            case AMBIENT -> "time to ServerHello through ztunnel";
        };
    }

    /** The quantity where a proxy on the way opens the TLS connection and the probe speaks plain HTTP to it. */
    public String originatedMeasure() {
        return "time to the first response byte through the " + (this == AMBIENT ? "waypoint" : "sidecar")
                + " (its connect timeout covers the TCP connect and the TLS handshake to the host)";
    }
}
