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
 * delivered yet. The last {@value #KEPT} pauses are kept, in {@link System#nanoTime()}'s time. Safepoints other than the
 * collector's (deoptimisation, biased locking in older JVMs) are not seen: JFR would, at a cost every node would pay.
 */
public final class OwnPauses {
    static final int KEPT = 128;

    private final List<com.sun.management.GarbageCollectorMXBean> collectors;
    private final long startNanos;
    private final long[] pauseStart = new long[KEPT];
    private final long[] pauseEnd = new long[KEPT];
    private final Map<String, Long> lastIdSeen = new HashMap<>();
    private int next;
    private int kept;
    private long seen;

    private OwnPauses(List<com.sun.management.GarbageCollectorMXBean> collectors) {
        this.collectors = collectors;
        // GcInfo's times are milliseconds since the JVM started.
        this.startNanos = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000;
    }

    /** Follows the pause collectors of this JVM from now on. */
    public static OwnPauses start() {
        List<com.sun.management.GarbageCollectorMXBean> pausing = ManagementFactory.getGarbageCollectorMXBeans().stream()
                .filter(OwnPauses::pauses).filter(b -> b instanceof com.sun.management.GarbageCollectorMXBean)
                .map(b -> (com.sun.management.GarbageCollectorMXBean) b).toList();
        OwnPauses pauses = new OwnPauses(pausing);
        for (GarbageCollectorMXBean bean : pausing) {
            if (bean instanceof NotificationEmitter emitter) {
                emitter.addNotificationListener((n, handback) -> {
                    if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                        GarbageCollectionNotificationInfo info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                        pauses.add(info.getGcName(), info.getGcInfo());
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

    /** Milliseconds of our own pauses within {@code [fromNanos, toNanos]} of {@link System#nanoTime()}. */
    public long pausedMillisWithin(long fromNanos, long toNanos) {
        for (com.sun.management.GarbageCollectorMXBean bean : collectors) {
            add(bean.getName(), bean.getLastGcInfo());
        }
        synchronized (this) {
            return overlapNanos(pauseStart, pauseEnd, kept, fromNanos, toNanos) / 1_000_000;
        }
    }

    /** Pauses seen since the start. */
    public synchronized long seen() {
        return seen;
    }

    private synchronized void add(String collector, GcInfo info) {
        if (info == null || info.getId() <= lastIdSeen.getOrDefault(collector, 0L)) {
            return;
        }
        lastIdSeen.put(collector, info.getId());
        pauseStart[next] = startNanos + info.getStartTime() * 1_000_000;
        // A pause shorter than the millisecond the times are given in still took place: at least that long.
        pauseEnd[next] = startNanos + Math.max(info.getEndTime(), info.getStartTime() + 1) * 1_000_000;
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
