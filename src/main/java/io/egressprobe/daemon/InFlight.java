package io.egressprobe.daemon;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;

/**
 * The one background read a source has under way (an admin API fetch and its parse, a Kubernetes read).
 * A source starts no second read while one runs, so a slow dependency cannot pile reads up; and stopping
 * waits for it, so that no blocking parse completes into an event loop Vert.x has already closed (seen as
 * {@code RejectedExecutionException: event executor terminated} from a worker thread at shutdown).
 */
final class InFlight {
    /** How long a stop waits for a read that does not end: the rest of the shutdown must still happen. */
    static final Duration STOP_BOUND = Duration.ofSeconds(3);

    private Future<?> current;

    /** Whether a read is under way; call from the source's own context. */
    boolean busy() {
        return current != null;
    }

    /** Tracks {@code read} until it ends. */
    <T> Future<T> track(Future<T> read) {
        current = read;
        read.onComplete(ar -> {
            if (current == read) {
                current = null;
            }
        });
        return read;
    }

    /** Completes when the read under way has ended, or after {@link #STOP_BOUND}; never fails. */
    Future<Void> settled(Vertx vertx) {
        Future<?> read = current;
        if (read == null) {
            return Future.succeededFuture();
        }
        Promise<Void> done = Promise.promise();
        long timer = vertx.setTimer(STOP_BOUND.toMillis(), id -> done.tryComplete());
        read.onComplete(ar -> {
            vertx.cancelTimer(timer);
            done.tryComplete();
        });
        return done.future();
    }
}
