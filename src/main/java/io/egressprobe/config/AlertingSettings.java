package io.egressprobe.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/**
 * Where alert transitions are sent besides the log, and the runbook every alert links to.
 *
 * @param runbookUrl the {@code runbook_url} annotation: the shipped operations guide unless a fork or a private
 *                   mirror has its own
 */
public record AlertingSettings(Optional<URI> alertmanagerUrl, Duration alertmanagerResend, Optional<URI> webhookUrl,
                               URI runbookUrl) {
    public static final URI SHIPPED_RUNBOOK =
            URI.create("https://github.com/egress-probe/egress-probe/blob/main/docs/operations.md#what-to-do");
    public static final AlertingSettings DEFAULT =
            new AlertingSettings(Optional.empty(), Duration.ofMinutes(1), Optional.empty(), SHIPPED_RUNBOOK);
}
