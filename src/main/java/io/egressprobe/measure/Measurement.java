package io.egressprobe.measure;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * An attempt as the statistics see it: its outcome, with a proxy's connect timeout recognised, and what it adds to the
 * upstream-connect distribution.
 *
 * <p>A proxy's cut: through a sidecar (or ztunnel), an attempt reset or closed during the handshake, before any reply
 * byte, at about one hop's connect timeout after it began, is that proxy giving up on its upstream connect
 * ({@code UF,URX}); through a sidecar that originates TLS, Envoy answers the plain request with its own 503
 * ("upstream connect error …") instead. The window of "about" is {@code [0.95 × T − 20 ms, 1.2 × T + 250 ms]} of the
 * phase's elapsed time: Envoy arms its timer only once it has the ClientHello (or the request), so the cut cannot come
 * much before T (5% and 20 ms cover timer granularity); it comes later by the proxies' and the probe's event-loop
 * delays and a round trip, which on a loaded 2-core node reach tens to a few hundred ms, hence 20% and 250 ms. Where
 * hops have different timeouts, the cut is the hop's whose timeout is nearest. Such an attempt is kept as a censored
 * sample at no less than T.
 *
 * @param cutBy the index of the hop whose timeout cut the attempt, in the list it was measured against
 */
public record Measurement(ProbeResult result, Optional<UpstreamSample> upstream, OptionalInt cutBy) {
    static final double EARLY = 0.95;
    static final Duration EARLY_SLACK = Duration.ofMillis(20);
    static final double LATE = 1.2;
    static final Duration LATE_SLACK = Duration.ofMillis(250);
    /** The start of the body of Envoy's local reply when it cannot connect upstream for an HTTP request. */
    public static final String ENVOY_UPSTREAM_ERROR = "upstream connect error";

    public static Measurement of(ProbeResult result, ProbePath path, EffectiveTimeout timeout) {
        return of(result, path, List.of(timeout), List.of("the sidecar's " + timeout.value().toMillis() + " ms connect timeout"));
    }

    /**
     * @param hops  the connect timeout of each proxy on the way; none where a cut cannot be told (a blocked route)
     * @param names each hop's timeout in words, for the failure's detail
     */
    public static Measurement of(ProbeResult result, ProbePath path, List<EffectiveTimeout> hops, List<String> names) {
        if (path != ProbePath.DIRECT && result instanceof ProbeResult.Failure f) {
            OptionalInt hop = cutBy(f, hops);
            if (hop.isPresent()) {
                EffectiveTimeout timeout = hops.get(hop.getAsInt());
                Duration waited = f.elapsedInPhase();
                ProbeResult.Failure cut = new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, f.phase(), f.timings(),
                        f.elapsed(), f.timeToServerHello(), f.tcp(), f.tls(), f.reason().label() + " at " + waited.toMillis()
                        + (f.phase() == Phase.TLS ? " ms into the handshake, " : " ms into the " + f.phase().label() + ", ")
                        + names.get(hop.getAsInt()) + ": " + f.detail(), f.address());
                Duration value = waited.compareTo(timeout.value()) >= 0 ? waited : timeout.value();
                return new Measurement(cut, Optional.of(new UpstreamSample(value, true)), hop);
            }
        }
        return new Measurement(result, UpstreamSample.of(result, path), OptionalInt.empty());
    }

    /** The hop whose timeout the failure looks like, the nearest where several could be. */
    static OptionalInt cutBy(ProbeResult.Failure f, List<EffectiveTimeout> hops) {
        OptionalInt best = OptionalInt.empty();
        long bestDistance = Long.MAX_VALUE;
        for (int i = 0; i < hops.size(); i++) {
            Duration t = hops.get(i).value();
            if (isEnvoyCut(f, t)) {
                long distance = Math.abs(f.elapsedInPhase().toNanos() - t.toNanos());
                if (distance < bestDistance) {
                    best = OptionalInt.of(i);
                    bestDistance = distance;
                }
            }
        }
        return best;
    }

    /**
     * A reset or close before any reply byte during the handshake, or Envoy's own 503 for the request it could not
     * send upstream, at about {@code timeout} into the phase: a proxy's cut.
     */
    public static boolean isEnvoyCut(ProbeResult.Failure f, Duration timeout) {
        boolean handshakeCut = (f.reason() == FailureReason.RESET || f.reason() == FailureReason.CLOSED)
                && f.phase() == Phase.TLS && f.timeToServerHello().isEmpty();
        boolean localReply = f.reason() == FailureReason.HTTP_STATUS && f.phase() == Phase.REQUEST
                && f.detail().contains(ENVOY_UPSTREAM_ERROR);
        if (!handshakeCut && !localReply) {
            return false;
        }
        long waited = f.elapsedInPhase().toNanos();
        long t = timeout.toNanos();
        return waited >= (long) (EARLY * t) - EARLY_SLACK.toNanos() && waited <= (long) (LATE * t) + LATE_SLACK.toNanos();
    }
}
