package io.egressprobe.route;

import java.util.Optional;

/**
 * How the proxy in front of the host picks the address it connects to, from its cluster's discovery type (Envoy's
 * {@code Cluster.DiscoveryType}, as Istio sets it from a ServiceEntry's {@code resolution}: istio/istio
 * {@code pilot/pkg/networking/core/cluster.go}, {@code convertResolution}). Only where it connects to the address the
 * application dialed is a view per dialed address a view of the upstream's addresses.
 */
public enum UpstreamPick {
    /**
     * {@code ORIGINAL_DST} ({@code resolution: NONE}, Istio's {@code PassthroughCluster}): the address the application
     * dialed, which the probe chose too.
     */
    DIALED,
    /**
     * {@code STRICT_DNS}, {@code EDS}, {@code STATIC} or an extension's type ({@code resolution: DNS} or
     * {@code STATIC}, an in-mesh service): the proxy resolves the name or takes the endpoints it was sent, and balances
     * over them on its own; the address the probe dialed says nothing about the one the proxy reached.
     */
    PROXY_BALANCES,
    /**
     * {@code LOGICAL_DNS} ({@code resolution: DNS_ROUND_ROBIN}, and DNS with the ServiceEntry annotation
     * {@code istio.io/connect-strategy: RACE_FIRST_TCP_CONNECT}, which also asks for both families): one host holding
     * every address of the answer, and a host with more than one address is connected to by racing them (Envoy
     * {@code source/extensions/clusters/logical_dns/logical_dns_cluster.cc}, {@code startResolve}, the list from
     * {@code DnsUtils::generateAddressList}; {@code source/common/upstream/upstream_impl.cc},
     * {@code HostImpl::createConnection}: more than one address makes a {@code HappyEyeballsConnectionImpl}). The
     * connect the probe measures through the proxy is the race's, as the application's is.
     */
    PROXY_RACES;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** From Envoy's name of a cluster's type; a cluster without one is {@code STATIC} (the enum's zero, left out of JSON). */
    public static UpstreamPick ofEnvoy(String type) {
        return switch (type) {
            case "ORIGINAL_DST" -> DIALED;
            case "LOGICAL_DNS" -> PROXY_RACES;
            default -> PROXY_BALANCES;
        };
    }

    /**
     * Whether the attempts' addresses, as the probe dialed them, are the upstream's: always on the direct path (no
     * proxy); through a proxy only for {@link #DIALED}, and not where the proxy's cluster is unknown.
     */
    public static boolean addressesAreUpstreams(boolean direct, Optional<UpstreamPick> pick) {
        return direct || pick.filter(p -> p == DIALED).isPresent();
    }

    /** Why there is no view per address, for the API and the page; empty where there is one. */
    public static Optional<String> withoutAddressViews(boolean direct, Optional<UpstreamPick> pick, String cluster) {
        if (addressesAreUpstreams(direct, pick)) {
            return Optional.empty();
        }
        String of = cluster.isEmpty() ? "the sidecar's cluster" : "the sidecar's cluster " + cluster;
        return Optional.of(pick.map(p -> switch (p) {
            case PROXY_BALANCES -> of + " resolves the host or takes its endpoints and balances over them itself: the"
                    + " address the probe dialed is not the one the sidecar reached, so there is no view per address";
            case PROXY_RACES -> of + " races the host's addresses (LOGICAL_DNS: Envoy's happy eyeballs; Istio's"
                    + " istio.io/connect-strategy: RACE_FIRST_TCP_CONNECT or resolution: DNS_ROUND_ROBIN): the connect"
                    + " measured is the race's first to complete, as the application's is, and there is no view per address";
            case DIALED -> "";
        }).orElse("the sidecar's cluster for the host is not known yet (its admin API has not answered): no view per"
                + " address, as the sidecar may connect to another address than the one the probe dialed"));
    }
}
