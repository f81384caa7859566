package io.egressprobe.probe;

import com.sun.management.GarbageCollectionNotificationInfo;
import com.sun.management.GcInfo;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.management.NotificationEmitter;
import javax.management.openmbean.CompositeData;

/**
 * The stop-the-world pauses of this JVM's collector, so that an attempt timed across one can be told apart: its time
 * holds our pause, not the network's. The pause collectors (every {@code GarbageCollectorMXBean} but the concurrent
 * cycles of G1, ZGC and Shenandoah, which do not stop the application) report each collection twice: a notification
 * after it, and their last collection, asked for as an attempt ends; the second closes the race with a notification not
 * delivered yet. The last {@value #KEPT} pauses are kept. Their times are the collector's milliseconds since the JVM
 * started, a clock of its own (not {@code RuntimeMXBean}'s uptime, which starts tens of milliseconds later): it is tied
 * to {@link System#nanoTime()} by what is seen, each collection being seen after it ended, so the offset is at most the
 * least time from a collection's end to its being seen (a notification comes within a millisecond). Safepoints other than the
 * collector's (deoptimisation, biased locking in older JVMs) are not seen: JFR would, at a cost every node would pay.
 */
public final class OwnPauses {
    static final int KEPT = 128;

    private final List<com.sun.management.GarbageCollectorMXBean> collectors;
    /** The collector's clock (milliseconds) to {@link System#nanoTime()}: the least of seen-at less ended-at. */
    private long offsetNanos = Long.MAX_VALUE;
    private final long[] pauseStartMillis = new long[KEPT];
    private final long[] pauseEndMillis = new long[KEPT];
    /** The kept pauses in {@link System#nanoTime()}'s time, as the last question placed them (reused, not allocated). */
    private final long[] starts = new long[KEPT];
    private final long[] ends = new long[KEPT];
    private final Map<String, Long> lastIdSeen = new HashMap<>();
    private int next;
    private int kept;
    private long seen;

    private OwnPauses(List<com.sun.management.GarbageCollectorMXBean> collectors) {
        this.collectors = collectors;
    }

    private static OwnPauses ofThisJvm;

    /** The pauses of this JVM: one follower for it, whoever asks, from the first call on. */
    public static synchronized OwnPauses ofThisJvm() {
        if (ofThisJvm == null) {
            ofThisJvm = start();
        }
        return ofThisJvm;
    }

    private static OwnPauses start() {
        List<com.sun.management.GarbageCollectorMXBean> pausing = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(OwnPauses::pauses).filter(b -> b instanceof com.sun.management.GarbageCollectorMXBean)
                .map(b -> (com.sun.management.GarbageCollectorMXBean) b).toList();
        OwnPauses pauses = new OwnPauses(pausing);
        for (GarbageCollectorMXBean bean : pausing) {
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                        pauses.add(info.getGcName(), info.getGcInfo(), System.nanoTime());
                    }
                }, null, null);
            }
            pauses.lastIdSeen.put(bean.getName(), bean.getCollectionCount());
        }
        return pauses;
    }

    /** A collector that stops the application: not G1's, ZGC's or Shenandoah's concurrent cycles. */
    static boolean pauses(GarbageCollectorMXBean bean) {
        String name = bean.getName();
        return !name.contains("Concurrent") && !name.contains("Cycles");
    }

    /**
     * Milliseconds (rounded up) of our own pauses within {@code [fromNanos, toNanos]} of {@link System#nanoTime()}. The
     * collector gives its times in whole milliseconds since the JVM started: each pause is taken a millisecond wider on
     * either side, so that one is never missed for its rounding; an attempt that ended a millisecond from a pause may be
     * marked with it.
     */
    public long pausedMillisWithin(long fromNanos, long toNanos) {
        for (com.sun.management.GarbageCollectorMXBean bean : collectors) {
            // Asked at every attempt's end: a GcInfo (its memory pools' usage) is built only for a collection not seen yet.
            if (bean.getCollectionCount() > lastIdSeen(bean.getName())) {
                add(bean.getName(), bean.getLastGcInfo(), System.nanoTime());
            }
        }
        synchronized (this) {
            for (int i = 0; i < kept; i++) {
                starts[i] = offsetNanos + (pauseStartMillis[i] - 1) * 1_000_000;
                ends[i] = offsetNanos + (pauseEndMillis[i] + 1) * 1_000_000;
            }
            return (overlapNanos(starts, ends, kept, fromNanos, toNanos) + 999_999) / 1_000_000;
        }
    }

    private synchronized long lastIdSeen(String collector) {
        return lastIdSeen.getOrDefault(collector, 0L);
    }

    /**
     * Whether {@code pausedMillis} of our own inside an attempt makes its time ours rather than the network's: a pause of
     * at least a hundredth of the timeout (one point of utilization) and at least 10 ms. Shorter ones, the young
     * collections of a small heap (bench/RESULTS.md: at most 10 ms under the image's flags), weigh less than the round trip
     * the time to ServerHello already holds; leaving out every attempt they touch would leave out a third of them.
     */
    public static boolean outweighs(long pausedMillis, java.time.Duration timeout) {
        return pausedMillis >= Math.max(10, timeout.toMillis() / 100);
    }

    /** Pauses seen since the start. */
    public synchronized long seen() {
        return seen;
    }

    private synchronized void add(String collector, GcInfo info, long seenAtNanos) {
        if (info == null) {
            return;
        }
        offsetNanos = Math.min(offsetNanos, seenAtNanos - info.getEndTime() * 1_000_000);
        if (info.getId() <= lastIdSeen.getOrDefault(collector, 0L)) {
            return;
        }
        lastIdSeen.put(collector, info.getId());
        pauseStartMillis[next] = info.getStartTime();
        pauseEndMillis[next] = info.getEndTime();
        next = (next + 1) % KEPT;
        kept = Math.min(KEPT, kept + 1);
        seen++;
    }

    /** The nanoseconds the first {@code count} intervals share with {@code [from, to]}. Pure. */
    static long overlapNanos(long[] starts, long[] ends, int count, long from, long to) {
        long overlap = 0;
        for (int i = 0; i < count; i++) {
            overlap += Math.max(0, Math.min(to, ends[i]) - Math.max(from, starts[i]));
        }
        return overlap;
    }
}
