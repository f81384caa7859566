package io.egressprobe.measure;

import java.util.Locale;

/** Why an attempt failed: the bounded value set of the {@code reason} label (never error text). */
public enum FailureReason {
    DNS,
    REFUSED,
    UNREACHABLE,
    /** The probe's own deadline ran out while the TCP connect was still pending. */
    CONNECT_TIMEOUT,
    /** Reset or closed mid-handshake at about the Envoy connect timeout (sidecar path). */
    ENVOY_CONNECT_TIMEOUT,
    RESET,
    /** EOF mid-handshake not explained by the timeout. */
    CLOSED,
    TLS_HANDSHAKE,
    TLS_CERTIFICATE,
    HTTP_STATUS,
    /** The probe's own deadline ran out after the connect. */
    PROBE_TIMEOUT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** A connect cut by a connect timeout: {@code EgressConnectTimeouts} judges these, {@code EgressTargetFailing} the rest. */
    public boolean isCut() {
        return this == CONNECT_TIMEOUT || this == ENVOY_CONNECT_TIMEOUT;
    }

    /** Failures that end because time ran out: their elapsed time is a lower bound, kept as a censored sample. */
    public boolean isTimeout() {
        return this == CONNECT_TIMEOUT || this == ENVOY_CONNECT_TIMEOUT || this == PROBE_TIMEOUT;
    }
}
