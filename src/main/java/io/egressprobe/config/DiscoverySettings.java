package io.egressprobe.config;

/** Targets taken from Istio ServiceEntries that carry {@code labelSelector}. */
public record DiscoverySettings(boolean serviceEntriesEnabled, String labelSelector) {
    public static final DiscoverySettings DEFAULT = new DiscoverySettings(false, "egress-probe.io/probe=true");
}
