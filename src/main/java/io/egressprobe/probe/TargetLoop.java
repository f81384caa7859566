package io.egressprobe.probe;

import io.egressprobe.config.Target;
import io.egressprobe.measure.ProbeResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.LongConsumer;

/**
 * Probes one target on its own jittered interval, at most one attempt in flight, each attempt cut at
 * the target's {@code probeTimeout}. Everything runs on one event-loop context, so the loop needs no
 * locks; other threads talk to it through {@link #update} and {@link #stop}.
 *
 * <p>Starts are planned at a fixed rate (previous plan + jittered interval), not after each attempt,
 * so slow attempts do not make the rate drift; a missed start is not made up for. How late each start
 * comes against its plan goes to {@code scheduleLag}: the measure of whether the event loops keep up.
 */
public final class TargetLoop {
    private static final double JITTER = 0.10;

    private final Vertx vertx;
    private final Context context;
    private final Prober prober;
    private final BiConsumer<Target, ProbeResult> listener;
    private final Random random;
    private final LongConsumer scheduleLag;
    private volatile Target target;
    private long timerId = -1;
    private long nextPlannedNanos;
    /** The start the armed timer aims at: the plan, or now when the previous attempt overran it. */
    private long armedForNanos;
    private long attempts;
    private ProbeContext inFlight;
    private Promise<Void> inFlightDone;
    private boolean stopped;

    public TargetLoop(Vertx vertx, Context context, Prober prober, Target target,
                      BiConsumer<Target, ProbeResult> listener, Random random, LongConsumer scheduleLag) {
        this.vertx = vertx;
        this.context = context;
        this.prober = prober;
        this.target = target;
        this.listener = listener;
        this.random = random;
        this.scheduleLag = scheduleLag;
    }

    /** The first attempt comes at a random point of the first interval, so targets do not probe in bursts. */
    public void start() {
        context.runOnContext(v -> {
            long firstDelay = (long) (random.nextDouble() * target.settings().interval().toNanos());
            nextPlannedNanos = System.nanoTime() + firstDelay;
            arm();
        });
    }

    /** New settings for the next attempts; the one in flight finishes under the old ones. */
    public void update(Target newTarget) {
        this.target = newTarget;
    }

    public Target target() {
        return target;
    }

    /** Stops planning, cancels the attempt in flight, and completes once it has ended. */
    public Future<Void> stop() {
        Promise<Void> stoppedPromise = Promise.promise();
        context.runOnContext(v -> {
            stopped = true;
            if (timerId >= 0) {
                vertx.cancelTimer(timerId);
            }
            if (inFlight == null) {
                stoppedPromise.complete();
            } else {
                inFlightDone.future().onComplete(x -> stoppedPromise.complete());
                inFlight.abort(ProbeContext.Abort.SHUTDOWN);
            }
        });
        return stoppedPromise.future();
    }

    private void arm() {
        armedForNanos = Math.max(nextPlannedNanos, System.nanoTime());
        // Rounded up: timers have millisecond resolution, and an attempt must not start before its plan.
        long delayMillis = Math.max(1, (armedForNanos - System.nanoTime() + 999_999) / 1_000_000);
        timerId = vertx.setTimer(delayMillis, id -> attempt());
    }

    private void attempt() {
        timerId = -1;
        if (stopped) {
            return;
        }
        Target current = target;
        long now = System.nanoTime();
        scheduleLag.accept(now - armedForNanos);
        long interval = current.settings().interval().toNanos();
        nextPlannedNanos += (long) (interval * (1 - JITTER + 2 * JITTER * random.nextDouble()));
        if (nextPlannedNanos < now) {
            nextPlannedNanos = now;
        }
        ProbeContext attempt = new ProbeContext(now, current.settings().probeTimeout(), attempts++);
        inFlight = attempt;
        inFlightDone = Promise.promise();
        Attempts.run(vertx, prober, current, attempt).onComplete(ar -> {
            inFlight = null;
            inFlightDone.complete();
            if (stopped) {
                return;
            }
            if (ar.succeeded()) {
                listener.accept(current, ar.result());
            }
            arm();
        });
    }
}
