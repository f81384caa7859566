package io.egressprobe.config;

/**
 * {@code phaseHistograms}: whether {@code egress_probe_phase_seconds} is exported. They are half of every
 * scrape and nothing shipped reads them; a node with hundreds of targets can do without.
 */
public record MetricsSettings(boolean phaseHistograms) {
    public static final MetricsSettings DEFAULT = new MetricsSettings(true);
}
