package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/**
 * One value of the quantity compared with the Envoy connect timeout.
 *
 * @param censored the attempt was cut by a timeout, so the true value is at least {@code value}
 */
public record UpstreamSample(Duration value, boolean censored) {

    /**
     * What an attempt contributes to the distribution (docs/architecture.md §1 "The upstream connect").
     *
     * <p>Direct path: the TCP connect when it completed; an attempt cut by a timeout while connecting
     * is kept, censored at its elapsed time, because dropping it would make p99 look healthy exactly
     * when it is not. Failures that say nothing about latency (refused, dns, ...) contribute nothing.
     * Sidecar and ambient paths: the time to the server's first reply byte, falling back to the TLS phase.
     */
    public static Optional<UpstreamSample> of(ProbeResult result, ProbePath path) {
        Phase upstreamPhase = path == ProbePath.DIRECT ? Phase.CONNECT : Phase.TLS;
        Optional<Duration> measured = path != ProbePath.DIRECT && result.timeToServerHello().isPresent()
                ? result.timeToServerHello()
                : result.timings().get(upstreamPhase);
        if (measured.isPresent()) {
            return measured.map(d -> new UpstreamSample(d, false));
        }
        if (result instanceof ProbeResult.Failure f && f.reason().isTimeout() && f.phase() == upstreamPhase) {
            return Optional.of(new UpstreamSample(f.elapsedInPhase(), true));
        }
        return Optional.empty();
    }
}
