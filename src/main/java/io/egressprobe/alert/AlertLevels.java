package io.egressprobe.alert;

import java.util.Map;
import java.util.TreeMap;

/**
 * Each of a target's alerts at the level the alert loop last judged it, and the level each rising alert is pending
 * for (its condition holds, its {@code for} has not passed). Immutable.
 */
public record AlertLevels(Map<AlertName, Level> levels, Map<AlertName, Level> pending) {
    public static final AlertLevels NONE = new AlertLevels(Map.of(), Map.of());

    public AlertLevels {
        levels = Map.copyOf(levels);
        pending = Map.copyOf(pending);
    }

    /** 0 ok, 1 warning, 2 critical. */
    public int of(AlertName alert) {
        return levels.getOrDefault(alert, Level.OK).ordinal();
    }

    /** The highest of them: 0 ok, 1 warning, 2 critical. */
    public int highest() {
        return levels.values().stream().reduce(Level.OK, Level::max).ordinal();
    }

    /**
     * What the badge says: the highest firing level, else "pending" while an alert waits out its {@code for}, else
     * "ok". A target at 77% against a 50% warning is not "ok" during the minute before the warning fires.
     */
    public String status() {
        int highest = highest();
        if (highest > 0) {
            return Level.values()[highest].label();
        }
        return pending.isEmpty() ? Level.OK.label() : "pending";
    }

    /** By alert name, for the API. */
    public Map<String, String> byName() {
        return named(levels);
    }

    /** The level each pending alert will fire at, by alert name, for the API. */
    public Map<String, String> pendingByName() {
        return named(pending);
    }

    private static Map<String, String> named(Map<AlertName, Level> byAlert) {
        Map<String, String> named = new TreeMap<>();
        byAlert.forEach((alert, level) -> named.put(alert.alertName(), level.label()));
        return named;
    }
}
