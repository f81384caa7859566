package io.egressprobe.envoy;

import io.egressprobe.route.ClusterName;
import io.egressprobe.route.Destination;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * What the daemon asks its sidecar, from its targets alone: the listeners of the targets' ports, the route configs those
 * listeners name, the clusters they lead to, the stats of those clusters. The sidecar's whole config grows with the mesh
 * (every service is a cluster, a listener or a virtual host); what this asks for grows with the targets only.
 *
 * @param destinations where the targets' connections go
 * @param serverNames  the names the targets present as SNI (their {@code sni}, by default their host)
 */
public record SidecarQuestion(List<Destination> destinations, Set<String> serverNames) {
    public SidecarQuestion {
        destinations = List.copyOf(destinations);
        serverNames = Set.copyOf(serverNames.stream().map(n -> n.toLowerCase(Locale.ROOT)).toList());
    }

    public static SidecarQuestion of(Collection<Destination> destinations) {
        return new SidecarQuestion(List.copyOf(destinations), destinations.stream().map(Destination::host).collect(Collectors.toSet()));
    }

    public Set<Integer> ports() {
        return destinations.stream().map(Destination::port).collect(Collectors.toCollection(TreeSet::new));
    }

    /**
     * Envoy's {@code name_regex} (RE2, matched against the whole name: {@code config_dump_handler.cc}
     * {@code buildNameMatcher}) for the listeners of the targets' ports: Istio names an outbound listener
     * {@code <address>_<port>}, and hands redirected connections from {@code virtualOutbound}.
     */
    String listenerNames() {
        return "virtualOutbound|.*_(" + ports().stream().map(String::valueOf).collect(Collectors.joining("|")) + ")";
    }

    /** The clusters routing may need besides those the listeners name: each host's own, and Istio's catch-alls. */
    Set<String> baseClusters() {
        Set<String> names = new TreeSet<>();
        destinations.forEach(d -> names.add(ClusterName.outbound(d.host(), d.port())));
        names.add(ClusterName.PASSTHROUGH);
        names.add(ClusterName.BLACK_HOLE);
        return names;
    }

    /** {@code name_regex} for exactly these names. */
    static String exactly(Collection<String> names) {
        return names.stream().map(SidecarQuestion::quote).collect(Collectors.joining("|"));
    }

    /** A name as a literal in RE2 and in ECMAScript regexes alike: every character that is not a letter or digit escaped. */
    static String quote(String name) {
        StringBuilder b = new StringBuilder(name.length() + 8);
        for (char c : name.toCharArray()) {
            if (!Character.isLetterOrDigit(c) && c != '_' && c != '-') {
                b.append('\\');
            }
            b.append(c);
        }
        return b.toString();
    }
}
