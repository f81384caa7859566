package io.egressprobe.route;

import java.time.Duration;

/**
 * What a hop's HTTP route does with a connect that failed: Envoy retries it there, so the probe hears of a cut only
 * after every try, each its own connect timeout, with back-off between them.
 *
 * @param tries      tries of a failed connect, 1 where the route does not retry one
 * @param maxBackOff the longest Envoy's back-off between those tries adds up to
 * @param retries503 the route retries a 503 from further on too (a gateway's own cut): its tries multiply that hop's
 */
public record HttpRetry(int tries, Duration maxBackOff, boolean retries503) {
    public static final HttpRetry NONE = new HttpRetry(1, Duration.ZERO, false);

    public HttpRetry {
        if (tries < 1) {
            throw new IllegalArgumentException("a connect is tried at least once");
        }
    }
}
