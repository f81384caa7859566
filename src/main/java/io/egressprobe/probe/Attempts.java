package io.egressprobe.probe;

import io.egressprobe.config.Target;
import io.egressprobe.measure.ProbeResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/** Runs one attempt under the target's {@code probeTimeout}: the deadline lives here, not in probers. */
public final class Attempts {
    private Attempts() {}

    /** Call on the attempt's event-loop context. */
    public static Future<ProbeResult> run(Vertx vertx, Prober prober, Target target, ProbeContext attempt) {
        long deadline = vertx.setTimer(target.settings().probeTimeout().toMillis(),
                id -> attempt.abort(ProbeContext.Abort.DEADLINE));
        return prober.probe(target, attempt).onComplete(ar -> vertx.cancelTimer(deadline));
    }
}
