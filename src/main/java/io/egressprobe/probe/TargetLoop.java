package io.egressprobe.probe;

import io.egressprobe.config.Target;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.route.AddressFamily;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.BiConsumer;
import java.util.function.Supplier;
import java.util.function.LongConsumer;

/**
 * Probes one target on its own jittered interval, each attempt cut at the target's {@code probeTimeout}. Everything
 * runs on one event-loop context, so the loop needs no locks; other threads talk to it through {@link #update} and
 * {@link #stop}.
 *
 * <p>Attempts may overlap, up to {@link #maxInFlight}: a target that hangs until {@code probeTimeout} is still sampled at
 * its interval (cloudprober lets a probe overlap itself up to a bound the same way), where one attempt at a time gave
 * 13 attempts in 67 s at "one every 1000 ms". A start that finds the bound reached is skipped, not made up for; the
 * achieved rate is shown beside the interval in {@code /api/v1/targets} and on the status page.
 *
 * <p>Starts are planned at a fixed rate ({@link FixedRatePlan}, in the monotonic time: a wall clock jumps with NTP),
 * not after each attempt. How late each start comes against its plan goes to {@code scheduleLag}: the measure of
 * whether the event loops keep up.
 */
public final class TargetLoop {
    /**
     * At most this many attempts of one target at once, whatever the ratio of probeTimeout to interval: a bound on the
     * sockets a hanging target holds (8 per target and pod), at the price of a rate below the plan, which is shown.
     */
    static final int MAX_IN_FLIGHT_CAP = 8;

    private final Vertx vertx;
    private final Context context;
    private final Prober prober;
    private final BiConsumer<Target, ProbeResult> listener;
    private final LongConsumer scheduleLag;
    private final FixedRatePlan plan;
    private final Supplier<Shape> shape;

    /**
     * What the route asks of the next attempt: plain HTTP (a proxy originates TLS), which addresses, and how long to wait
     * for it (the target's {@code probeTimeout}, longer where the route retries a failed connect).
     */
    public record Shape(boolean plainText, AddressFamily family, Duration deadline) {}
    private volatile Target target;
    private long timerId = -1;
    private long attempts;
    /** The attempts under way, each with what completes when it has ended. */
    private final Map<ProbeContext, Promise<Void>> inFlight = new LinkedHashMap<>();
    private boolean stopped;

    /** @param shape what the route now asks of an attempt, asked before each one */
    public TargetLoop(Vertx vertx, Context context, Prober prober, Target target,
                      BiConsumer<Target, ProbeResult> listener, Random random, LongConsumer scheduleLag,
                      Supplier<Shape> shape) {
        this.shape = shape;
        this.vertx = vertx;
        this.context = context;
        this.prober = prober;
        this.target = target;
        this.listener = listener;
        this.scheduleLag = scheduleLag;
        this.plan = new FixedRatePlan(random);
    }

    /** The first attempt comes at a random point of the first interval, so targets do not probe in bursts. */
    public void start() {
        context.runOnContext(v -> {
            plan.begin(System.nanoTime(), target.settings().interval().toNanos());
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
            List<ProbeContext> running = List.copyOf(inFlight.keySet());
            Future.all(inFlight.values().stream().map(Promise::future).toList()).onComplete(x -> stoppedPromise.complete());
            running.forEach(a -> a.abort(ProbeContext.Abort.SHUTDOWN));
        });
        return stoppedPromise.future();
    }

    private void arm() {
        timerId = vertx.setTimer(plan.armMillis(System.nanoTime()), id -> attempt());
    }

    /**
     * How many attempts of a target may be in flight at once: enough that attempts lasting the whole probeTimeout still
     * start every interval ({@code ceil(probeTimeout / interval)}), at most {@link #MAX_IN_FLIGHT_CAP}, at least one.
     */
    static int maxInFlight(Target t) {
        long interval = Math.max(1, t.settings().interval().toMillis());
        long needed = (t.settings().probeTimeout().toMillis() + interval - 1) / interval;
        return (int) Math.max(1, Math.min(MAX_IN_FLIGHT_CAP, needed));
    }

    private void attempt() {
        timerId = -1;
        if (stopped) {
            return;
        }
        Target current = target;
        long now = System.nanoTime();
        scheduleLag.accept(plan.started(now, current.settings().interval().toNanos()));
        if (inFlight.size() < maxInFlight(current)) {
            start(current, now);
        }
        arm();
    }

    private void start(Target current, long now) {
        Shape next = shape.get();
        ProbeContext attempt = new ProbeContext(now, next.deadline(), attempts++, next.plainText(), next.family());
        Promise<Void> done = Promise.promise();
        inFlight.put(attempt, done);
        Attempts.run(vertx, prober, current, attempt).onComplete(ar -> {
            inFlight.remove(attempt);
            done.complete();
            if (!stopped && ar.succeeded()) {
                listener.accept(current, ar.result());
            }
        });
    }
}
