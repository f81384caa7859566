package io.egressprobe.config;

import java.util.Locale;

/** How the probe reaches its targets; see docs/architecture.md §1 "Paths". */
public enum Mode {
    AUTO, SIDECAR, DIRECT, AMBIENT;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
