package io.egressprobe.notify;

import io.egressprobe.alert.AlertLevels;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The owner of what fires. Every transition the alert loop judges is entered here before any notifier sees it: the
 * firing set is kept by alert instance (never derived from the history, which is bounded and only for reading), and
 * each target's levels beside it. Readers on any thread take {@link #history()}, an immutable snapshot; the
 * Alertmanager notifier resends from it, so that a notifier built by a reload starts from what fires.
 */
public final class AlertBook {
    /** Transitions kept for the API and the status page; what fires is kept apart, however many come after it. */
    public static final int HISTORY = 100;

    private final Map<String, Notification> firing = new TreeMap<>();
    private final Deque<Notification> recent = new ArrayDeque<>();
    private final Map<String, AlertLevels> levels = new HashMap<>();
    private volatile AlertHistory snapshot = AlertHistory.EMPTY;

    /**
     * One evaluation's outcome: its transitions in order, and the levels of every target it judged. Targets it did
     * not judge are gone: their levels are dropped (their alerts resolve through {@code transitions}).
     */
    public synchronized void enter(List<Notification> transitions, Map<String, AlertLevels> judged) {
        for (Notification n : transitions) {
            if (n.transition().isResolve()) {
                firing.remove(n.key());
            } else {
                firing.put(n.key(), n);
            }
            recent.addFirst(n);
            if (recent.size() > HISTORY) {
                recent.removeLast();
            }
        }
        levels.clear();
        levels.putAll(judged);
        snapshot = new AlertHistory(List.copyOf(firing.values()), List.copyOf(recent), levels);
    }

    /**
     * What a previous run left firing (the state file), before anything is judged: the Alertmanager notifier resends it
     * from the start, so Alertmanager never resolves it while the targets' windows fill again.
     */
    public synchronized void restore(List<Notification> wasFiring) {
        wasFiring.forEach(n -> firing.put(n.key(), n));
        snapshot = new AlertHistory(List.copyOf(firing.values()), List.copyOf(recent), levels);
    }

    public AlertHistory history() {
        return snapshot;
    }

    /** The alerts firing now, each as its latest transition. */
    public Collection<Notification> firing() {
        return snapshot.active();
    }
}
