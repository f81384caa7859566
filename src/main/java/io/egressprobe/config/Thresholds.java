package io.egressprobe.config;

/** Utilization levels (window p99 ÷ effective timeout) at which the latency alert warns and turns critical. */
public record Thresholds(double warning, double critical) {
    public static final Thresholds DEFAULT = new Thresholds(0.5, 0.8);
}
