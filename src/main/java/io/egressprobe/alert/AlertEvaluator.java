package io.egressprobe.alert;

import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The alert state of one target: window statistics and the time in, transitions out. Pure; the
 * caller owns the clock and calls {@link #evaluate} at a steady pace (every 10 s in the daemon).
 *
 * <p>{@code EgressConnectLatencyNearTimeout} rises a level when utilization has been at or above that
 * level's threshold, with at least {@code minSamples} in the window, for {@code for}; it falls a level
 * when utilization has been below 0.9 × that level's threshold for {@code for}. Between the two bands
 * it keeps its level. {@code EgressConnectTimeouts} is critical as soon as the window holds an attempt
 * cut at the timeout, and resolves when none is left in it (the window itself is the hold).
 */
public final class AlertEvaluator {
    private final String target;
    private AlertPolicy policy;
    private final Map<AlertName, State> states = new EnumMap<>(AlertName.class);
    private Instant atOrAboveWarningSince;
    private Instant atOrAboveCriticalSince;
    private Instant belowWarningClearSince;
    private Instant belowCriticalClearSince;

    /** An alert's current level and since when it has been at it. */
    public record State(Level level, Instant since, WindowStats stats) {}

    public AlertEvaluator(String target, AlertPolicy policy) {
        this.target = target;
        this.policy = policy;
        for (AlertName name : AlertName.values()) {
            states.put(name, new State(Level.OK, Instant.EPOCH, null));
        }
    }

    public void setPolicy(AlertPolicy policy) {
        this.policy = policy;
    }

    public List<Transition> evaluate(WindowStats stats, Instant now) {
        List<Transition> transitions = new ArrayList<>();
        move(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, latencyLevel(stats, now), stats, now, transitions);
        move(AlertName.EGRESS_CONNECT_TIMEOUTS, stats.exceededCount() > 0 ? Level.CRITICAL : Level.OK, stats, now,
                transitions);
        return transitions;
    }

    /** Ends every firing alert: the target is gone. */
    public List<Transition> resolveAll(Instant now) {
        List<Transition> transitions = new ArrayList<>();
        states.forEach((name, state) -> {
            if (state.level() != Level.OK) {
                transitions.add(new Transition(target, name, state.level(), Level.OK, now, state.since(), state.stats()));
            }
        });
        states.replaceAll((name, state) -> new State(Level.OK, now, state.stats()));
        return transitions;
    }

    public State state(AlertName name) {
        return states.get(name);
    }

    /** The highest level of the target's alerts. */
    public Level level() {
        return states.values().stream().map(State::level).reduce(Level.OK, Level::max);
    }

    private Level latencyLevel(WindowStats stats, Instant now) {
        boolean judged = stats.count() >= policy.minSamples();
        double u = judged ? stats.utilization() : 0;
        double warning = policy.thresholds().warning();
        double critical = policy.thresholds().critical();
        atOrAboveWarningSince = track(judged && u >= warning, atOrAboveWarningSince, now);
        atOrAboveCriticalSince = track(judged && u >= critical, atOrAboveCriticalSince, now);
        belowWarningClearSince = track(u < AlertPolicy.HYSTERESIS * warning, belowWarningClearSince, now);
        belowCriticalClearSince = track(u < AlertPolicy.HYSTERESIS * critical, belowCriticalClearSince, now);

        Level current = states.get(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT).level();
        if (held(atOrAboveCriticalSince, now)) {
            return Level.CRITICAL;
        }
        if (current == Level.CRITICAL && !held(belowCriticalClearSince, now)) {
            return Level.CRITICAL;
        }
        if (held(atOrAboveWarningSince, now)) {
            return Level.WARNING;
        }
        if (current != Level.OK && !held(belowWarningClearSince, now)) {
            return Level.WARNING;
        }
        return Level.OK;
    }

    private boolean held(Instant since, Instant now) {
        return since != null && !Duration.between(since, now).minus(policy.forDuration()).isNegative();
    }

    private static Instant track(boolean condition, Instant since, Instant now) {
        if (!condition) {
            return null;
        }
        return since == null ? now : since;
    }

    private void move(AlertName name, Level next, WindowStats stats, Instant now, List<Transition> out) {
        State current = states.get(name);
        if (current.level() == next) {
            states.put(name, new State(current.level(), current.since(), stats));
            return;
        }
        out.add(new Transition(target, name, current.level(), next, now, current.since(), stats));
        states.put(name, new State(next, now, stats));
    }
}
