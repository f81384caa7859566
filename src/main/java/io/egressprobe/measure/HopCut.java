package io.egressprobe.measure;

import java.time.Duration;

/**
 * One proxy's connect timeout as an attempt's failure could show it.
 *
 * @param hop        the index of the hop in its route
 * @param timeout    the hop's connect timeout: one try of its upstream connect (one share's, where the hop splits its
 *                   connections between clusters)
 * @param maxTries   how many tries of that connect can pass before the probe hears of it: more than one where an HTTP
 *                   route on the way retries a connect failure (Istio's {@code retry_policy}), so that Envoy's 503
 *                   comes after up to {@code maxTries × timeout} plus the back-off between tries
 * @param maxBackOff the longest the back-off between those tries can add up to
 */
public record HopCut(int hop, EffectiveTimeout timeout, int maxTries, Duration maxBackOff) {
    public HopCut {
        if (maxTries < 1) {
            throw new IllegalArgumentException("a connect is tried at least once");
        }
    }

    public static HopCut once(int hop, EffectiveTimeout timeout) {
        return new HopCut(hop, timeout, 1, Duration.ZERO);
    }
}
