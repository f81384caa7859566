package io.egressprobe.route;

import java.util.Optional;

/** Istio's outbound cluster names: {@code outbound|<port>|<subset>|<host>}. */
public final class ClusterName {
    public static final String PASSTHROUGH = "PassthroughCluster";
    public static final String BLACK_HOLE = "BlackHoleCluster";

    private ClusterName() {}

    /** The cluster Istio creates for a host and port a ServiceEntry or Service declares. */
    public static String outbound(String host, int port) {
        return "outbound|" + port + "||" + host;
    }

    /** The host of an outbound cluster; empty for another cluster. */
    public static Optional<String> host(String cluster) {
        String[] parts = cluster.split("\\|", -1);
        return parts.length == 4 && parts[0].equals("outbound") ? Optional.of(parts[3]) : Optional.empty();
    }

    /** The subset of an outbound cluster ({@code outbound|443|tls-origination|host}); empty for none or another cluster. */
    public static Optional<String> subset(String cluster) {
        String[] parts = cluster.split("\\|", -1);
        return parts.length == 4 && parts[0].equals("outbound") && !parts[2].isEmpty() ? Optional.of(parts[2]) : Optional.empty();
    }

    /** The port of an outbound cluster; empty for another cluster. */
    public static Optional<Integer> port(String cluster) {
        String[] parts = cluster.split("\\|", -1);
        if (parts.length != 4 || !parts[0].equals("outbound")) {
            return Optional.empty();
        }
        try {
            return Optional.of(Integer.parseInt(parts[1]));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    /**
     * The namespace of an in-mesh Service an outbound cluster leads to ({@code name.namespace.svc.<domain>}); empty for
     * a host outside the mesh's Services.
     */
    public static Optional<String> serviceNamespace(String cluster) {
        return host(cluster).flatMap(h -> {
            String[] labels = h.split("\\.");
            return labels.length >= 4 && labels[2].equals("svc") ? Optional.of(labels[1]) : Optional.empty();
        });
    }
}
