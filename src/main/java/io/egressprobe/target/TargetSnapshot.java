package io.egressprobe.target;

import io.egressprobe.alert.AlertLevels;
import io.egressprobe.config.Target;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.route.HopKind;
import java.util.Map;
import java.util.TreeMap;

/**
 * One moment of a {@link TargetCore}, as every reader sees it: the target's settings, its alert levels, its cuts by
 * the kind of hop that cut and its failures by reason since it started. Immutable.
 *
 * @param windowResets how often an edit emptied the window since the target started
 */
public record TargetSnapshot(Target target, AlertLevels levels, Map<HopKind, Long> cuts,
                             Map<FailureReason, Long> failures, int windowCapacity, int windowResets) {
    public TargetSnapshot {
        cuts = Map.copyOf(cuts);
        failures = Map.copyOf(failures);
    }

    public long failures(FailureReason reason) {
        return failures.getOrDefault(reason, 0L);
    }

    /** By reason label, the reasons that occurred. */
    public Map<String, Long> failureCounts() {
        Map<String, Long> byLabel = new TreeMap<>();
        failures.forEach((reason, n) -> byLabel.put(reason.label(), n));
        return byLabel;
    }
}
