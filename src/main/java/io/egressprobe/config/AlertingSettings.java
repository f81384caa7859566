package io.egressprobe.config;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Where alert transitions are sent besides the log, and the runbook every alert links to.
 *
 * @param runbookUrl the {@code runbook_url} annotation: the shipped operations guide unless a fork or a private
 *                   mirror has its own
 * @param externalLabels added to every alert the daemon sends, as Prometheus adds its external labels to the rules'
 *                       alerts: with the same set (under the Prometheus Operator {@code prometheus="<ns>/<name>"}, and
 *                       {@code cluster} where users set it) Alertmanager sees one alert, not one per sender
 * @param stateFile      where the firing alerts and each notifier's undelivered transitions are kept across a restart
 *                       (a writable volume: the DaemonSet mounts an emptyDir); absent: kept in memory only
 */
public record AlertingSettings(Optional<URI> alertmanagerUrl, Duration alertmanagerResend, Optional<URI> webhookUrl,
                               URI runbookUrl, Map<String, String> externalLabels, Optional<Path> stateFile) {
    public AlertingSettings {
        externalLabels = Collections.unmodifiableMap(new LinkedHashMap<>(externalLabels));
    }

    /** Without the external labels and the state file, as before they existed. */
    public AlertingSettings(Optional<URI> alertmanagerUrl, Duration alertmanagerResend, Optional<URI> webhookUrl,
                            URI runbookUrl) {
        this(alertmanagerUrl, alertmanagerResend, webhookUrl, runbookUrl, Map.of(), Optional.empty());
    }

    public static final URI SHIPPED_RUNBOOK =
            URI.create("https://github.com/egress-probe/egress-probe/blob/main/docs/operations.md#what-to-do");
    public static final AlertingSettings DEFAULT =
            new AlertingSettings(Optional.empty(), Duration.ofMinutes(1), Optional.empty(), SHIPPED_RUNBOOK);
}
