package io.egressprobe.config;

/** How the probe reaches its targets; see docs/architecture.md §1 "Paths". */
public enum Mode {
    AUTO, SIDECAR, DIRECT;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
