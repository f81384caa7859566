package io.egressprobe.window;

import java.time.Duration;

/**
 * The heap a set of targets holds, from how their state is laid out, so that a config that cannot fit the daemon's heap
 * is said before it runs out: each target's window ring is allocated whole at start (window ÷ interval attempts), with
 * the address of each attempt as a byte in it, and the rest of a target (its meters, evaluator and views) was measured.
 * Pure.
 */
public final class HeapNeed {
    /** The ring's arrays: when (long), the sample (long), its flags (cut, own pause, lost SYN), outcome, SYNs, address (a byte each). */
    public static final int RING_BYTES_PER_ATTEMPT = 8 + 8 + 1 + 1 + 1 + 1;
    /**
     * The rest of a target, measured: the live heap after a full collection grows by about 20 KiB per target beyond its
     * window (bench/footprint.sh at 1,000 targets every 10 s: 36 MiB against 12 MiB at 10, less the windows).
     */
    public static final long OTHER_BYTES_PER_TARGET = 20 * 1024;
    /** The daemon's own live heap with a handful of targets (bench/footprint.sh, production configuration). */
    public static final long DAEMON_BYTES = 12L << 20;

    private HeapNeed() {}

    /** What one target with this window and interval holds. */
    public static long perTarget(Duration window, Duration interval) {
        return (long) SampleWindow.capacityFor(window, interval) * RING_BYTES_PER_ATTEMPT
                + OTHER_BYTES_PER_TARGET;
    }

    /** The live heap of the daemon with targets that hold {@code targetBytes} between them. */
    public static long withDaemon(long targetBytes) {
        return DAEMON_BYTES + targetBytes;
    }

    /**
     * Whether a live heap of {@code need} leaves the collector room in {@code maxHeap}: at most two thirds of it, so that
     * what young collections promote finds room, instead of a full collection of the whole heap each time.
     */
    public static boolean fits(long need, long maxHeap) {
        return need * 3 <= maxHeap * 2;
    }

    /** The {@code -Xmx} that would hold {@code need}, in whole MiB. */
    public static long heapFor(long need) {
        return ((need * 3 / 2) >> 20) + 1;
    }
}
