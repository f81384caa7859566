package io.egressprobe.route;

import java.util.Locale;

/** Host name patterns as Envoy's server_names and virtual host domains, and Istio's hosts, write them. */
public final class Hosts {
    private Hosts() {}

    /** {@code pattern} is a name or {@code *.suffix} (a leading wildcard matches one label or more). */
    public static boolean matches(String pattern, String host) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String h = host.toLowerCase(Locale.ROOT);
        if (p.startsWith("*")) {
            return p.equals("*") || h.endsWith(p.substring(1)) && h.length() > p.length() - 1;
        }
        return p.equals(h);
    }
}
