package io.egressprobe.config;

import java.util.Locale;

/**
 * What the exporter adds beyond the per-target series every rule and panel reads. Every pod of the DaemonSet
 * exports every target, so each series is paid once per node: both extras are opt-in.
 *
 * @param phaseHistograms whether {@code egress_probe_phase_seconds} is exported (64 series per target)
 * @param runtime         the process's own meters: a handful, or the JVM's, the process's and Vert.x's binders
 * @param addressesPerTarget how many of a target's addresses have a view of their own (the rest share one); exported
 *                        only for a target with more than one address, two series each
 */
public record MetricsSettings(boolean phaseHistograms, Runtime runtime, int addressesPerTarget) {
    public static final int DEFAULT_ADDRESSES = 8;
    public static final MetricsSettings DEFAULT = new MetricsSettings(false, Runtime.MINIMAL, DEFAULT_ADDRESSES);

    public MetricsSettings(boolean phaseHistograms, Runtime runtime) {
        this(phaseHistograms, runtime, DEFAULT_ADDRESSES);
    }

    public enum Runtime {
        /** Process CPU, start time, resident memory, heap used, threads. */
        MINIMAL,
        /** Micrometer's JVM and process binders and Vert.x's own meters. */
        FULL;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }
}
