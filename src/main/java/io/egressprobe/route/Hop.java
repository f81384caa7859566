package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * One proxy on the way to the host, with the connect timeout it applies to its own upstream connect.
 *
 * @param rule           the DestinationRule ({@code namespace/name}) that set the timeout, where one did
 * @param originatesTls  the hop opens the TLS connection to the host itself: its connect timeout covers that handshake
 * @param dnsFamily      which of the host's addresses the hop connects to, where its config says (a cluster's
 *                       {@code dns_lookup_family})
 * @param timeoutKnown   false for a hop whose timeout no source can know (a forward proxy): {@code timeout} is then
 *                       {@link #UNKNOWN}, a placeholder that is never a limit, a cut or a gauge
 * @param retry          what the hop's HTTP route does with a connect that failed: it retries its own, and maybe a later
 *                       hop's 503
 * @param shares         the clusters the hop splits connections between, each with its own timeout ({@code timeout} is
 *                       the tightest, the one the target is judged against); empty where it takes one cluster
 * @param upstreamPick   how the hop picks the address it connects to, where its config says (a cluster's {@code type})
 */
public record Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
                  Optional<AddressFamily> dnsFamily, boolean timeoutKnown, HttpRetry retry, List<Share> shares,
                  Optional<UpstreamPick> upstreamPick) {
    /** The placeholder timeout of a hop whose timeout is not known. */
    public static final EffectiveTimeout UNKNOWN = new EffectiveTimeout(Duration.ZERO, TimeoutSource.ISTIO_DEFAULT,
            Optional.empty());

    public Hop {
        shares = List.copyOf(shares);
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
               Optional<AddressFamily> dnsFamily) {
        this(ref, timeout, rule, originatesTls, dnsFamily, true, HttpRetry.NONE, List.of(), Optional.empty());
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
               Optional<AddressFamily> dnsFamily, Optional<UpstreamPick> upstreamPick) {
        this(ref, timeout, rule, originatesTls, dnsFamily, true, HttpRetry.NONE, List.of(), upstreamPick);
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls) {
        this(ref, timeout, rule, originatesTls, Optional.empty());
    }

    /** A hop whose connect timeout nothing here can know, said so wherever the route is shown. */
    public static Hop unknownTimeout(HopRef ref) {
        return new Hop(ref, UNKNOWN, Optional.empty(), false, Optional.empty(), false, HttpRetry.NONE, List.of(), Optional.empty());
    }

    /** The timeouts a connection through this hop can be cut at: each share's, else the hop's own; none where unknown. */
    public List<EffectiveTimeout> cutAt() {
        if (!timeoutKnown) {
            return List.of();
        }
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
        if (!timeoutKnown) {
            return "the " + kind().label() + "'s own connect timeout (not known: not an Istio proxy, so no Istio resource"
                    + " sets it and it cannot be read here)";
        }
        return "the " + kind().label() + "'s " + t.value().toMillis() + " ms connect timeout (" + t.source().label()
                + (t == timeout ? rule : Optional.<String>empty()).map(r -> " " + r).or(() -> t.cluster().map(c -> " of cluster " + c))
                .orElse("") + ")";
    }
}
