package io.egressprobe.alert;

import java.util.Map;
import java.util.TreeMap;

/** Each of a target's alerts at the level the alert loop last judged it. Immutable. */
public record AlertLevels(Map<AlertName, Level> levels) {
    public static final AlertLevels NONE = new AlertLevels(Map.of());

    public AlertLevels {
        levels = Map.copyOf(levels);
    }

    /** 0 ok, 1 warning, 2 critical. */
    public int of(AlertName alert) {
        return levels.getOrDefault(alert, Level.OK).ordinal();
    }

    /** The highest of them: 0 ok, 1 warning, 2 critical. */
    public int highest() {
        return levels.values().stream().reduce(Level.OK, Level::max).ordinal();
    }

    /** By alert name, for the API. */
    public Map<String, String> byName() {
        Map<String, String> named = new TreeMap<>();
        levels.forEach((alert, level) -> named.put(alert.alertName(), level.label()));
        return named;
    }
}
