package io.egressprobe.config;

import java.util.Locale;

/** A target's {@code ipFamily}: {@code auto} follows the sidecar's cluster (or IPv4 where a name has it), else one family. */
public enum IpFamily {
    AUTO, V4, V6;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
