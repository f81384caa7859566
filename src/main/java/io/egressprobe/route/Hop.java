package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import java.util.Optional;

/**
 * One proxy on the way to the host, with the connect timeout it applies to its own upstream connect.
 *
 * @param rule           the DestinationRule ({@code namespace/name}) that set the timeout, where one did
 * @param originatesTls  the hop opens the TLS connection to the host itself: its connect timeout covers that handshake
 * @param dnsFamily      which of the host's addresses the hop connects to, where its config says (a cluster's
 *                       {@code dns_lookup_family})
 * @param upstreamPick   how the hop picks the address it connects to, where its config says (a cluster's {@code type})
 */
public record Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
                  Optional<AddressFamily> dnsFamily, Optional<UpstreamPick> upstreamPick) {
    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls) {
        this(ref, timeout, rule, originatesTls, Optional.empty(), Optional.empty());
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
               Optional<AddressFamily> dnsFamily) {
        this(ref, timeout, rule, originatesTls, dnsFamily, Optional.empty());
    }

    public HopKind kind() {
        return ref.kind();
    }

    /** "the egress_gateway's 1 s connect timeout (destination_rule istio-system/x)", for details and advice. */
    public String describe() {
        return "the " + kind().label() + "'s " + timeout.value().toMillis() + " ms connect timeout (" + timeout.source().label()
                + rule.map(r -> " " + r).or(() -> timeout.cluster().map(c -> " of cluster " + c)).orElse("") + ")";
    }
}
