package io.egressprobe.route;

import java.util.Locale;
import java.util.Optional;

/**
 * Which of a name's addresses connections go to, with the meanings of Envoy's cluster {@code dns_lookup_family}:
 * one family only, one family where the name has it and the other otherwise, or both in turn.
 */
public enum AddressFamily {
    V4_ONLY, V6_ONLY, V4_PREFERRED, V6_PREFERRED, ALL;

    /** Envoy's name for it in a cluster ({@code V4_ONLY}, {@code V6_ONLY}, {@code AUTO}, {@code V4_PREFERRED}, {@code ALL}). */
    public static Optional<AddressFamily> ofEnvoy(String lookupFamily) {
        return switch (lookupFamily.toUpperCase(Locale.ROOT)) {
            case "V4_ONLY" -> Optional.of(V4_ONLY);
            case "V6_ONLY" -> Optional.of(V6_ONLY);
            case "AUTO" -> Optional.of(V6_PREFERRED); // Envoy's AUTO: IPv6 where the name has it, else IPv4
            case "V4_PREFERRED" -> Optional.of(V4_PREFERRED);
            case "ALL" -> Optional.of(ALL);
            default -> Optional.empty();
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
