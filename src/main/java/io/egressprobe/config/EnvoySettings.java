package io.egressprobe.config;

import java.net.URI;
import java.time.Duration;

/**
 * Where the local sidecar answers, how often its view of the timeouts is re-read, and how large one of its answers may
 * be before the daemon stops reading it and keeps what it knew.
 */
public record EnvoySettings(URI adminUrl, URI readyUrl, Duration refresh, long answerLimitBytes) {
    public static final long DEFAULT_ANSWER_LIMIT = 32L << 20;
    public static final EnvoySettings DEFAULT = new EnvoySettings(
            URI.create("http://127.0.0.1:15000"), URI.create("http://127.0.0.1:15021/healthz/ready"),
            Duration.ofSeconds(60), DEFAULT_ANSWER_LIMIT);
}
