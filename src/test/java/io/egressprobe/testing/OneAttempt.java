package io.egressprobe.testing;

import io.egressprobe.config.Target;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.probe.Attempts;
import io.egressprobe.probe.ProbeContext;
import io.egressprobe.probe.Prober;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** One attempt under the target's deadline on {@code context}, waited for from the test thread. */
public final class OneAttempt {
    private OneAttempt() {}

    public static ProbeResult run(Context context, Prober prober, Target target) throws Exception {
        return start(context, prober, target).get(30, TimeUnit.SECONDS);
    }

    /** The attempt started on {@code context}, not waited for. */
    public static CompletableFuture<ProbeResult> start(Context context, Prober prober, Target target) {
        Promise<ProbeResult> result = Promise.promise();
        context.runOnContext(v -> Attempts.run(context.owner(), prober, target,
                new ProbeContext(System.nanoTime(), target.settings().probeTimeout(), 0)).onComplete(result));
        return result.future().toCompletionStage().toCompletableFuture();
    }
}
