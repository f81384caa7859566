package io.egressprobe.alert;

/** The per-target conditions of the README's "Alerts", named as users' routing rules know them. */
public enum AlertName {
    /** p99 of upstream connect approaches the effective timeout: the warning before the incident. */
    EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT("EgressConnectLatencyNearTimeout"),
    /** Attempts are being cut at the timeout: the incident itself. */
    EGRESS_CONNECT_TIMEOUTS("EgressConnectTimeouts"),
    /** A share of the attempts fails, for any reason: refused, unresolvable, a bad certificate, cuts. */
    EGRESS_TARGET_FAILING("EgressTargetFailing");

    private final String alertName;

    AlertName(String alertName) {
        this.alertName = alertName;
    }

    public String alertName() {
        return alertName;
    }
}
