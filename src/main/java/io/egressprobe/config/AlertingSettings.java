package io.egressprobe.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Where alert transitions are sent besides the log. */
public record AlertingSettings(Optional<URI> alertmanagerUrl, Duration alertmanagerResend, Optional<URI> webhookUrl) {
    public static final AlertingSettings DEFAULT =
            new AlertingSettings(Optional.empty(), Duration.ofMinutes(1), Optional.empty());
}
