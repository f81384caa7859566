package io.egressprobe.notify;

import java.time.Duration;

/** How long a notifier waits before it tries a receiver again: doubling from {@code first} up to {@code max}. */
final class Backoff {
    private final Duration first;
    private final Duration max;
    private Duration next;

    Backoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
        this.next = first;
    }

    /** The wait before the next try after a failure; each failure doubles the one after it. */
    Duration failed() {
        Duration wait = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return wait;
    }

    /** A delivery went through: the next failure waits {@code first} again. */
    void succeeded() {
        next = first;
    }
}
