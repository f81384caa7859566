package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import java.util.List;
import java.util.Optional;

/**
 * One proxy on the way to the host, with the connect timeout it applies to its own upstream connect.
 *
 * @param rule           the DestinationRule ({@code namespace/name}) that set the timeout, where one did
 * @param originatesTls  the hop opens the TLS connection to the host itself: its connect timeout covers that handshake
 * @param dnsFamily      which of the host's addresses the hop connects to, where its config says (a cluster's
 *                       {@code dns_lookup_family})
 * @param retry          what the hop's HTTP route does with a connect that failed: it retries its own, and maybe a later
 *                       hop's 503
 * @param shares         the clusters the hop splits connections between, each with its own timeout ({@code timeout} is
 *                       the tightest, the one the target is judged against); empty where it takes one cluster
 */
public record Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
                  Optional<AddressFamily> dnsFamily, HttpRetry retry, List<Share> shares) {
    public Hop {
        shares = List.copyOf(shares);
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls) {
        this(ref, timeout, rule, originatesTls, Optional.empty(), HttpRetry.NONE, List.of());
    }

    /** The timeouts a connection through this hop can be cut at: each share's, else the hop's own. */
    public List<EffectiveTimeout> cutAt() {
        return shares.isEmpty() ? List.of(timeout) : shares.stream().map(Share::timeout).distinct().toList();
    }

    public HopKind kind() {
        return ref.kind();
    }

    /** "the egress_gateway's 1 s connect timeout (destination_rule istio-system/x)", for details and advice. */
    public String describe() {
        return describe(timeout);
    }

    /** The same, of one of its shares' timeouts. */
    public String describe(EffectiveTimeout t) {
        return "the " + kind().label() + "'s " + t.value().toMillis() + " ms connect timeout (" + t.source().label()
                + (t == timeout ? rule : Optional.<String>empty()).map(r -> " " + r).or(() -> t.cluster().map(c -> " of cluster " + c))
                .orElse("") + ")";
    }
}
