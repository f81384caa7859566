package io.egressprobe.config;

/**
 * The levels at which a target's alerts warn and turn critical.
 *
 * @param warning         utilization (window p99 ÷ effective timeout) of the latency alert's warning
 * @param critical        utilization of its critical level
 * @param failureWarning  share of the window's attempts that failed, at which {@code EgressTargetFailing} warns
 * @param failureCritical that share at which it turns critical
 */
public record Thresholds(double warning, double critical, double failureWarning, double failureCritical) {
    public static final Thresholds DEFAULT = new Thresholds(0.5, 0.8, 0.01, 0.1);
}
