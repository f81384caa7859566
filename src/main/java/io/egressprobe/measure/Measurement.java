package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/**
 * An attempt as the statistics see it: its outcome, with a sidecar's connect timeout recognised, and
 * what it adds to the upstream-connect distribution.
 *
 * <p>Envoy's cut: on the sidecar path, an attempt reset or closed during the handshake, before any
 * reply byte, at about one effective timeout after it began, is Envoy giving up on the upstream connect
 * ({@code UF,URX}). The window of "about" is {@code [0.95 × T − 20 ms, 1.2 × T + 250 ms]} of the
 * handshake's elapsed time: Envoy arms its timer only once it has the ClientHello, so the cut cannot
 * come much before T (5% and 20 ms cover timer granularity); it comes later by Envoy's and the probe's
 * event-loop delays and a round trip, which on a loaded 2-core node reach tens to a few hundred ms,
 * hence 20% and 250 ms. Such an attempt is kept as a censored sample at no less than T.
 */
public record Measurement(ProbeResult result, Optional<UpstreamSample> upstream) {
    static final double EARLY = 0.95;
    static final Duration EARLY_SLACK = Duration.ofMillis(20);
    static final double LATE = 1.2;
    static final Duration LATE_SLACK = Duration.ofMillis(250);

    public static Measurement of(ProbeResult result, ProbePath path, EffectiveTimeout timeout) {
        if (path == ProbePath.SIDECAR && result instanceof ProbeResult.Failure f && isEnvoyCut(f, timeout.value())) {
            Duration waited = f.elapsedInPhase();
            ProbeResult.Failure cut = new ProbeResult.Failure(FailureReason.ENVOY_CONNECT_TIMEOUT, f.phase(), f.timings(),
                    f.elapsed(), f.timeToServerHello(), f.tcp(), f.tls(), f.reason().label() + " at " + waited.toMillis()
                    + " ms into the handshake, the sidecar's " + timeout.value().toMillis() + " ms connect timeout: " + f.detail());
            Duration value = waited.compareTo(timeout.value()) >= 0 ? waited : timeout.value();
            return new Measurement(cut, Optional.of(new UpstreamSample(value, true)));
        }
        return new Measurement(result, UpstreamSample.of(result, path));
    }

    /** A reset or close before any reply byte, at about {@code timeout} into the handshake: Envoy's cut. */
    public static boolean isEnvoyCut(ProbeResult.Failure f, Duration timeout) {
        if ((f.reason() != FailureReason.RESET && f.reason() != FailureReason.CLOSED) || f.phase() != Phase.TLS
                || f.timeToServerHello().isPresent()) {
            return false;
        }
        long waited = f.elapsedInPhase().toNanos();
        long t = timeout.toNanos();
        return waited >= (long) (EARLY * t) - EARLY_SLACK.toNanos() && waited <= (long) (LATE * t) + LATE_SLACK.toNanos();
    }

}
