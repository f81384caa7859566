package io.egressprobe.probe;

/**
 * How late this daemon's attempts started, over the last {@value #SPAN_SECONDS} seconds: an attempt that starts late was
 * held up by its event loop (saturated, or stopped by a pause of ours), and every attempt in flight meanwhile had its
 * callbacks held up as long, so its time is partly ours. Kept as the largest lag reported in each tenth of a second:
 * fixed memory whatever the number of targets. Pure: the times are given ({@link System#nanoTime()}'s).
 */
public final class OwnLag {
    static final int SPAN_SECONDS = 30;
    /** The resolution of the record: a lag is placed within a tenth of a second. */
    public static final long SLOT_NANOS = 100_000_000;
    private static final int SLOTS = SPAN_SECONDS * 10;

    private final long[] slotOf = new long[SLOTS];
    private final long[] maxLag = new long[SLOTS];

    public OwnLag() {
        java.util.Arrays.fill(slotOf, Long.MIN_VALUE);
    }

    /** An attempt started {@code lagNanos} after its plan, at {@code atNanos}. */
    public synchronized void record(long atNanos, long lagNanos) {
        long slot = Math.floorDiv(atNanos, SLOT_NANOS);
        int i = (int) Math.floorMod(slot, SLOTS);
        if (slotOf[i] != slot) {
            slotOf[i] = slot;
            maxLag[i] = 0;
        }
        maxLag[i] = Math.max(maxLag[i], lagNanos);
    }

    /** The largest lag reported between {@code fromNanos} and {@code toNanos} (to a tenth of a second), 0 for none. */
    public synchronized long maxLagNanosWithin(long fromNanos, long toNanos) {
        if (fromNanos > toNanos) {
            return 0;
        }
        long first = Math.max(Math.floorDiv(fromNanos, SLOT_NANOS), Math.floorDiv(toNanos, SLOT_NANOS) - SLOTS + 1);
        long last = Math.floorDiv(toNanos, SLOT_NANOS);
        long max = 0;
        for (long slot = first; slot <= last; slot++) {
            int i = (int) Math.floorMod(slot, SLOTS);
            if (slotOf[i] == slot) {
                max = Math.max(max, maxLag[i]);
            }
        }
        return max;
    }
}
