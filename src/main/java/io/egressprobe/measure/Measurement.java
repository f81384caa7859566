package io.egressprobe.measure;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Function;

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
 * delays and a round trip, which on a loaded 2-core node reach tens to a few hundred ms, hence 20% and 250 ms.
 *
 * <p>An HTTP route retries a connect failure (Istio gives every route {@code num_retries: 2} with
 * {@code connect-failure}): the 503 then comes after k tries of T each, k up to the route's tries, plus Envoy's
 * back-off between them, so the window is k times as wide and the back-off later. The 503's body is evidence too: it
 * names the reset reason, and a reason that is no connect failure ({@code connection termination}, {@code remote
 * reset}) is no connect timeout, whatever its timing. A TLS handshake cut is never retried: Istio's tcp_proxy keeps
 * Envoy's {@code max_connect_attempts} of 1.
 *
 * <p>Where hops could each have cut, the cut is the hop's whose k × T is nearest; a tie goes to the farther hop, the
 * one that dials the host (an in-cluster leg with the same timeout is the less likely to take that long). Such an
 * attempt is kept as a censored sample at no less than T (one try's share of what was waited).
 *
 * @param cutBy the index of the hop whose timeout cut the attempt, in its route
 */
public record Measurement(ProbeResult result, Optional<UpstreamSample> upstream, OptionalInt cutBy) {
    static final double EARLY = 0.95;
    static final Duration EARLY_SLACK = Duration.ofMillis(20);
    static final double LATE = 1.2;
    static final Duration LATE_SLACK = Duration.ofMillis(250);
    /** The start of the body of Envoy's local reply when it cannot connect upstream for an HTTP request. */
    public static final String ENVOY_UPSTREAM_ERROR = "upstream connect error";
    /**
     * How Envoy words a connect that failed in that body's reset reason (envoyproxy/envoy
     * {@code source/common/http/utility.cc}, {@code Utility::resetReasonToString}: {@code ConnectionTimeout} is
     * "connection timeout"; Envoys before that reason said "local connection failure", and older ones "connection
     * failure", for a timeout too).
     */
    private static final List<String> CONNECT_FAILURE_REASONS =
            List.of("connection timeout", "local connection failure", "connection failure");
    private static final String RESET_REASON = "reset reason: ";

    public static Measurement of(ProbeResult result, ProbePath path, EffectiveTimeout timeout) {
        return of(result, path, List.of(HopCut.once(0, timeout)),
                c -> "the sidecar's " + c.timeout().value().toMillis() + " ms connect timeout");
    }

    /**
     * @param hops     each proxy's timeout (each share's, where it has several); none where a cut cannot be told (a
     *                 blocked route)
     * @param describe the timeout that cut, in words, for the failure's detail: asked only of a cut
     */
    public static Measurement of(ProbeResult result, ProbePath path, List<HopCut> hops, Function<HopCut, String> describe) {
        if (path != ProbePath.DIRECT && result instanceof ProbeResult.Failure f) {
            Optional<Cut> found = cutBy(f, hops);
            if (found.isPresent()) {
                Cut c = found.get();
                HopCut hop = hops.get(c.hop());
                Duration waited = f.elapsedInPhase();
                ProbeResult.Failure cut = new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, f.phase(), f.timings(),
                        f.elapsed(), f.timeToServerHello(), f.tcp(), f.tls(), f.reason().label() + " at " + waited.toMillis()
                        + (f.phase() == Phase.TLS ? " ms into the handshake, " : " ms into the " + f.phase().label() + ", ")
                        + describe.apply(hop) + (c.tries() > 1 ? " (" + c.tries() + " tries, the route retries a connect failure)" : "")
                        + ": " + f.detail(), f.address());
                Duration perTry = waited.dividedBy(c.tries());
                Duration value = perTry.compareTo(hop.timeout().value()) >= 0 ? perTry : hop.timeout().value();
                return new Measurement(cut, Optional.of(new UpstreamSample(value, true)), OptionalInt.of(hop.hop()));
            }
        }
        return new Measurement(result, UpstreamSample.of(result, path), OptionalInt.empty());
    }

    /** Which of the timeouts cut, after how many tries of its connect. */
    record Cut(int hop, int tries) {}

    /** The hop, and count of its tries, whose timeouts the failure looks like: the nearest, the farther hop on a tie. */
    static Optional<Cut> cutBy(ProbeResult.Failure f, List<HopCut> hops) {
        Optional<Cut> best = Optional.empty();
        long bestDistance = Long.MAX_VALUE;
        long waited = f.elapsedInPhase().toNanos();
        int mostTries = localReply(f) ? Integer.MAX_VALUE : 1;
        for (int i = 0; i < hops.size(); i++) {
            HopCut hop = hops.get(i);
            for (int tries = 1; tries <= Math.min(hop.maxTries(), mostTries); tries++) {
                Duration total = hop.timeout().value().multipliedBy(tries);
                if (isEnvoyCut(f, total, tries > 1 ? hop.maxBackOff() : Duration.ZERO)) {
                    long distance = Math.abs(waited - total.toNanos());
                    if (distance <= bestDistance) {
                        best = Optional.of(new Cut(i, tries));
                        bestDistance = distance;
                    }
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
        return isEnvoyCut(f, timeout, Duration.ZERO);
    }

    private static boolean isEnvoyCut(ProbeResult.Failure f, Duration timeout, Duration backOff) {
        boolean handshakeCut = (f.reason() == FailureReason.RESET || f.reason() == FailureReason.CLOSED)
                && f.phase() == Phase.TLS && f.timeToServerHello().isEmpty();
        if (!handshakeCut && !localReply(f)) {
            return false;
        }
        long waited = f.elapsedInPhase().toNanos();
        long t = timeout.toNanos();
        return waited >= (long) (EARLY * t) - EARLY_SLACK.toNanos()
                && waited <= (long) (LATE * t) + backOff.toNanos() + LATE_SLACK.toNanos();
    }

    /** The latest a cut of {@code hop}, after all its tries, is still recognised as one. */
    public static Duration latestCut(HopCut hop) {
        return Duration.ofNanos((long) (LATE * hop.timeout().value().toNanos() * hop.maxTries()))
                .plus(hop.maxBackOff()).plus(LATE_SLACK);
    }

    /** Envoy's own 503 for a request it could not send upstream, unless its body names a reason that is no connect failure. */
    private static boolean localReply(ProbeResult.Failure f) {
        if (f.reason() != FailureReason.HTTP_STATUS || f.phase() != Phase.REQUEST || !f.detail().contains(ENVOY_UPSTREAM_ERROR)) {
            return false;
        }
        int at = f.detail().indexOf(RESET_REASON);
        if (at < 0) {
            return true;
        }
        String reason = f.detail().substring(at + RESET_REASON.length());
        return CONNECT_FAILURE_REASONS.stream().anyMatch(reason::startsWith);
    }
}
