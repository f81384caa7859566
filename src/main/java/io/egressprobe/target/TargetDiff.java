package io.egressprobe.target;

import io.egressprobe.config.Target;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a reload changes, by target name.
 *
 * @param replaced now measuring something else: start over with an empty window
 * @param updated  same measurement, other settings: keep the window
 */
public record TargetDiff(List<Target> added, List<Target> removed, List<Target> replaced, List<Target> updated,
                         List<Target> unchanged) {

    public static TargetDiff between(List<Target> before, List<Target> after) {
        Map<String, Target> old = new LinkedHashMap<>();
        before.forEach(t -> old.put(t.name(), t));
        List<Target> added = new ArrayList<>();
        List<Target> replaced = new ArrayList<>();
        List<Target> updated = new ArrayList<>();
        List<Target> unchanged = new ArrayList<>();
        for (Target t : after) {
            Target previous = old.remove(t.name());
            if (previous == null) {
                added.add(t);
            } else if (previous.equals(t)) {
                unchanged.add(t);
            } else if (previous.measuresSameAs(t)) {
                updated.add(t);
            } else {
                replaced.add(t);
            }
        }
        return new TargetDiff(added, List.copyOf(old.values()), replaced, updated, unchanged);
    }

    public boolean isEmpty() {
        return added.isEmpty() && removed.isEmpty() && replaced.isEmpty() && updated.isEmpty();
    }
}
