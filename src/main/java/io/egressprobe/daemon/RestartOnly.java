package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The settings a reload cannot apply, because what they configure is built once at start: the listening socket, the
 * path, the registry's meters, the sidecar's admin client and the refreshers it paces, and the Kubernetes client with
 * the discovery it feeds, and the alert state file read at start. A reload that changes one says so instead of ignoring it in silence.
 */
final class RestartOnly {
    /** Under the daemon's name, where the reload's other lines are. */
    private static final Logger LOG = LoggerFactory.getLogger(ProbeDaemon.class);

    private RestartOnly() {}

    /** Logs the settings among them that {@code after} changes, if any. */
    static void warnOfChanges(ProbeConfig before, ProbeConfig after) {
        List<String> atRestart = changed(before, after);
        if (!atRestart.isEmpty()) {
            LOG.atWarn().addKeyValue("atRestart", atRestart)
                    .log("changes to {} take effect at the next restart; the others apply now", String.join(", ", atRestart));
        }
    }

    /** The top-level keys among them that differ, in the config file's order. */
    static List<String> changed(ProbeConfig before, ProbeConfig after) {
        List<String> changed = new ArrayList<>();
        if (!after.listen().equals(before.listen())) {
            changed.add("listen");
        }
        if (after.mode() != before.mode()) {
            changed.add("mode");
        }
        if (!after.metrics().equals(before.metrics())) {
            changed.add("metrics");
        }
        if (!after.discovery().equals(before.discovery())) {
            changed.add("discovery");
        }
        if (!after.envoy().equals(before.envoy())) {
            changed.add("envoy");
        }
        if (after.kubernetes().enabled() != before.kubernetes().enabled()) {
            changed.add("kubernetes.enabled");
        }
        // Read once at start, before anything is judged: the state a restart brings back comes from there.
        if (!after.alerting().stateFile().equals(before.alerting().stateFile())) {
            changed.add("alerting.stateFile");
        }
        return changed;
    }
}
