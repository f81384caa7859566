package io.egressprobe.daemon;

import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.envoy.ClusterTimeouts;
import io.egressprobe.measure.EffectiveTimeout;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our classification of Envoy's cuts against Envoy's own counter for the sidecar's cluster: where attempts looked like
 * the sidecar's connect timeout since the last read but its {@code upstream_cx_connect_timeout} did not move, the cuts
 * came from elsewhere (an egress gateway, the server); where the counter moved more than the cuts we gave the sidecar
 * (a tie at equal timeouts goes to the hop that dials the host), the sidecar's own leg cut them. Each logged once per
 * target.
 */
final class EnvoyCrossCheck {
    /** Under the target state's name, as operators' log queries know these lines. */
    private static final Logger LOG = LoggerFactory.getLogger(TargetState.class);

    private boolean logged;
    private boolean loggedLeg;

    /**
     * @param timeout the sidecar's own hop's timeout, with the cluster Envoy's counter is for
     * @param leg     the sidecar's hop is an in-cluster leg before the hop that dials the host
     * @param ours    the sidecar's cuts the target's core counted since the last read (the one count of cuts)
     */
    synchronized void compare(String target, EffectiveTimeout timeout, boolean leg, Optional<ClusterStats> before,
                              Optional<ClusterStats> after, long ours) {
        long was = connectTimeouts(before);
        long is = connectTimeouts(after);
        boolean shared = timeout.cluster().map(ClusterTimeouts.PASSTHROUGH::equals).orElse(true);
        if (ours > 0 && was >= 0 && is >= 0 && is == was && !shared && !logged) {
            LOG.atWarn().addKeyValue("target", target).addKeyValue("classified", ours)
                    .log("target {}: {} attempts looked like Envoy's connect timeout, but Envoy's upstream_cx_connect_timeout "
                                    + "for {} did not move; the cuts may come from elsewhere (an egress gateway, the server)",
                            target, ours, timeout.cluster().orElse("?"));
            logged = true;
        }
        if (leg && was >= 0 && is - was > ours && !shared && !loggedLeg) {
            LOG.atWarn().addKeyValue("target", target).addKeyValue("envoyCounted", is - was).addKeyValue("classified", ours)
                    .log("target {}: the sidecar counted {} connect timeouts to {} since the last read where {} attempts were"
                                    + " classified as its cuts: its own leg cut them, not the hop that dials the host",
                            target, is - was, timeout.cluster().orElse("?"), ours);
            loggedLeg = true;
        }
    }

    private static long connectTimeouts(Optional<ClusterStats> stats) {
        return stats.map(s -> s.connectTimeouts().orElse(-1)).orElse(-1L);
    }
}
