package io.egressprobe.config;

import java.net.URI;
import java.time.Duration;

/** Where the local sidecar answers, and how often its view of the timeouts is re-read. */
public record EnvoySettings(URI adminUrl, URI readyUrl, Duration refresh) {
    public static final EnvoySettings DEFAULT = new EnvoySettings(
            URI.create("http://127.0.0.1:15000"), URI.create("http://127.0.0.1:15021/healthz/ready"),
            Duration.ofSeconds(60));
}
