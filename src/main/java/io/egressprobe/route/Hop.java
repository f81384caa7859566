package io.egressprobe.route;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
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
 */
public record Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
                  Optional<AddressFamily> dnsFamily, boolean timeoutKnown) {
    /** The placeholder timeout of a hop whose timeout is not known. */
    public static final EffectiveTimeout UNKNOWN = new EffectiveTimeout(Duration.ZERO, TimeoutSource.ISTIO_DEFAULT,
            Optional.empty());

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls,
               Optional<AddressFamily> dnsFamily) {
        this(ref, timeout, rule, originatesTls, dnsFamily, true);
    }

    public Hop(HopRef ref, EffectiveTimeout timeout, Optional<String> rule, boolean originatesTls) {
        this(ref, timeout, rule, originatesTls, Optional.empty());
    }

    /** A hop whose connect timeout nothing here can know, said so wherever the route is shown. */
    public static Hop unknownTimeout(HopRef ref) {
        return new Hop(ref, UNKNOWN, Optional.empty(), false, Optional.empty(), false);
    }

    public HopKind kind() {
        return ref.kind();
    }

    /** "the egress_gateway's 1 s connect timeout (destination_rule istio-system/x)", for details and advice. */
    public String describe() {
        if (!timeoutKnown) {
            return "the " + kind().label() + "'s own connect timeout (not known: not an Istio proxy, so no Istio resource"
                    + " sets it and it cannot be read here)";
        }
        return "the " + kind().label() + "'s " + timeout.value().toMillis() + " ms connect timeout (" + timeout.source().label()
                + rule.map(r -> " " + r).or(() -> timeout.cluster().map(c -> " of cluster " + c)).orElse("") + ")";
    }
}
