package io.egressprobe.probe;

import io.egressprobe.measure.ProbeResult;
import io.egressprobe.target.Target;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
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

    /** One attempt on {@code context}, from any thread. */
    public static Future<ProbeResult> runOn(Context context, Prober prober, Target target) {
        Promise<ProbeResult> result = Promise.promise();
        context.runOnContext(v -> run(context.owner(), prober, target,
                new ProbeContext(System.nanoTime(), target.settings().probeTimeout())).onComplete(result));
        return result.future();
    }
}
