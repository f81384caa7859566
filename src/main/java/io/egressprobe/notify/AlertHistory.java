package io.egressprobe.notify;

import io.egressprobe.alert.AlertLevels;
import java.util.List;
import java.util.Map;

/**
 * One moment of the alert book: the alerts firing now (each as its latest transition), the latest transitions newest
 * first, and every target's levels. Immutable.
 */
public record AlertHistory(List<Notification> active, List<Notification> recent, Map<String, AlertLevels> levels) {
    public static final AlertHistory EMPTY = new AlertHistory(List.of(), List.of(), Map.of());

    public AlertHistory {
        active = List.copyOf(active);
        recent = List.copyOf(recent);
        levels = Map.copyOf(levels);
    }

    public AlertLevels levelsOf(String target) {
        return levels.getOrDefault(target, AlertLevels.NONE);
    }
}
