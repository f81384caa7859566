package io.egressprobe.daemon;

import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.ProbeResult;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One target's failures, logged without flooding the log (the target's core counts them). A reason is logged
 * when it is new, then at most every {@link #RELOG} with the number of failures in between; a recovery after three or
 * more failures in a row is logged once.
 */
final class FailureLog {
    /** Under the target state's name, as operators' log queries know these lines. */
    private static final Logger LOG = LoggerFactory.getLogger(TargetState.class);
    static final Duration RELOG = Duration.ofMinutes(10);

    private FailureReason lastLoggedReason;
    private Instant lastLoggedAt = Instant.EPOCH;
    private int unlogged;
    private int consecutive;

    synchronized void failed(String target, ProbeResult.Failure f, Instant at) {
        consecutive++;
        if (f.reason() == lastLoggedReason && at.isBefore(lastLoggedAt.plus(RELOG))) {
            unlogged++;
            return;
        }
        LOG.atWarn().addKeyValue("target", target).addKeyValue("reason", f.reason().label())
                .addKeyValue("phase", f.phase().label()).addKeyValue("detail", f.detail())
                .addKeyValue("failuresSinceLastLog", unlogged)
                .log("target {} failing: {} during {}{}", target, f.reason().label(), f.phase().label(),
                        unlogged == 0 ? "" : " (" + unlogged + " more failures since the last report)");
        lastLoggedReason = f.reason();
        lastLoggedAt = at;
        unlogged = 0;
    }

    synchronized void succeeded(String target) {
        if (consecutive >= 3) {
            LOG.atInfo().addKeyValue("target", target).addKeyValue("failures", consecutive)
                    .log("target {} recovered after {} failures in a row", target, consecutive);
        }
        consecutive = 0;
    }
}
