package io.egressprobe.testing;

import io.vertx.core.Future;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * How the tests' helpers stop what they started, for their {@code close()}: an interrupt while waiting ends the wait
 * (the interrupt status kept for the caller) rather than leaking out of try-with-resources.
 */
public final class Stop {
    private Stop() {}

    /** SIGTERM, then SIGKILL after 10 s. */
    public static void process(Process p) {
        p.destroy();
        try {
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Waits for a Vert.x close or stop to complete. */
    public static void await(Future<?> stopping, Duration limit) throws ExecutionException, TimeoutException {
        try {
            stopping.toCompletionStage().toCompletableFuture().get(limit.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
