package io.egressprobe.alert;

import io.egressprobe.window.Attempts;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The alert state of one target: window statistics and the time in, transitions out. Pure; the
 * caller owns the clock and calls {@link #evaluate} at a steady pace (every 10 s in the daemon).
 *
 * <p>{@code EgressConnectLatencyNearTimeout} (utilization) and {@code EgressTargetFailing} (the share
 * of failed attempts) rise a level when their value has been at or above that level's threshold, with
 * at least {@code minSamples} in the window, for {@code for}; they fall a level when it has been below
 * 0.9 × that level's threshold for {@code for}. Between the two bands they keep their level.
 * {@code EgressTargetFailing} counts failures other than cuts at a connect timeout (those are
 * {@code EgressConnectTimeouts}'), and is also critical at once when every attempt of the last
 * {@code for} failed, however few there were: a target that is down needs no statistics.
 * {@code EgressConnectTimeouts} is critical as soon as the window holds an attempt cut at the timeout,
 * and resolves when none is left in it (the window itself is the hold).
 *
 * <p>Below {@code minSamples} no alert is judged, in either direction: its level is held (a fresh window after an
 * edit or a restart never resolves what fires), except that a cut, or a target down for {@code for}, fires at once.
 */
public final class AlertEvaluator {
    private final String target;
    private AlertPolicy policy;
    private final Map<AlertName, State> states = new EnumMap<>(AlertName.class);
    private final Map<AlertName, Level> pending = new EnumMap<>(AlertName.class);
    private final Hysteresis latency = new Hysteresis(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT);
    private final Hysteresis failing = new Hysteresis(AlertName.EGRESS_TARGET_FAILING);

    /** An alert's current level and since when it has been at it. */
    public record State(Level level, Instant since, WindowStats stats) {}

    public AlertEvaluator(String target, AlertPolicy policy) {
        this.target = target;
        this.policy = policy;
        for (AlertName name : AlertName.values()) {
            states.put(name, new State(Level.OK, Instant.EPOCH, null));
        }
    }

    /**
     * The levels these rules give {@code stats} judged once, as if each condition had held for {@code for} already: a
     * fresh evaluator with no {@code for} to wait out, so that a one-shot run ({@code check}) is judged by the daemon's
     * conditions (thresholds, minSamples, cuts, a target down), not by rules of its own. "Down" is then every attempt
     * of the window failing.
     */
    public static AlertLevels once(String target, AlertPolicy policy, WindowStats stats, Instant now) {
        AlertEvaluator fresh = new AlertEvaluator(target, new AlertPolicy(policy.thresholds(), policy.minSamples(),
                Duration.ZERO));
        fresh.evaluate(stats, now);
        return fresh.levels();
    }

    public void setPolicy(AlertPolicy policy) {
        this.policy = policy;
    }

    public List<Transition> evaluate(WindowStats stats, Instant now) {
        List<Transition> transitions = new ArrayList<>();
        Attempts attempts = stats.attempts();
        // Below minSamples nothing is judged: each level is held where it is, and the time its condition held (or
        // cleared) starts again once there are enough. Judging 0 instead resolved a live alert whenever the window was
        // emptied under it (an edited interval or window, a restart), and fired it again minutes later.
        if (stats.count() >= policy.minSamples()) {
            move(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, latency.level(stats.utilization(),
                    policy.thresholds().warning(), policy.thresholds().critical(), now), stats, now, transitions);
        } else {
            latency.forget();
            hold(AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, stats);
        }
        if (stats.exceededCount() > 0) {
            move(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.CRITICAL, stats, now, transitions);
        } else if (attempts.total() >= policy.minSamples()) {
            move(AlertName.EGRESS_CONNECT_TIMEOUTS, Level.OK, stats, now, transitions);
        } else {
            hold(AlertName.EGRESS_CONNECT_TIMEOUTS, stats);
        }
        double failures = attempts.failureRatioOtherThanCuts();
        boolean down = attempts.allFailedSince(now.minus(policy.forDuration())) && attempts.failedOtherThanCuts() > 0;
        if (attempts.total() >= policy.minSamples()) {
            Level byShare = failing.level(failures, policy.thresholds().failureWarning(),
                    policy.thresholds().failureCritical(), now);
            move(AlertName.EGRESS_TARGET_FAILING, down ? Level.CRITICAL : byShare, stats, now, transitions);
        } else if (down) {
            failing.forget();
            move(AlertName.EGRESS_TARGET_FAILING, Level.CRITICAL, stats, now, transitions);
        } else {
            failing.forget();
            hold(AlertName.EGRESS_TARGET_FAILING, stats);
        }
        pending.clear();
        latency.pending(now).ifPresent(level -> pending.put(latency.alert, level));
        failing.pending(now).ifPresent(level -> pending.put(failing.alert, level));
        return transitions;
    }

    /**
     * The window was emptied (an edited interval or window): what was judged on it is forgotten in the same step, the
     * levels are held until the new window holds {@code minSamples} again.
     */
    public void windowReset() {
        latency.forget();
        failing.forget();
        pending.clear();
    }

    /**
     * Takes the levels a previous run of the daemon fired (its state file) before anything is judged here: they are
     * held until the window holds {@code minSamples}, then confirmed or resolved by the new judgement.
     */
    public void restore(AlertName alert, Level level, Instant since) {
        states.put(alert, new State(level, since, states.get(alert).stats()));
    }

    /** Each alert's level, and the level each rising alert reaches once its condition has held for {@code for}. */
    public AlertLevels levels() {
        Map<AlertName, Level> levels = new EnumMap<>(AlertName.class);
        states.forEach((name, state) -> levels.put(name, state.level()));
        return new AlertLevels(levels, pending);
    }

    /** Ends every firing alert: the target is gone. */
    public List<Transition> resolveAll(Instant now) {
        List<Transition> transitions = new ArrayList<>();
        states.forEach((name, state) -> {
            if (state.level() != Level.OK) {
                transitions.add(new Transition(target, name, state.level(), Level.OK, now, state.since(), state.stats(),
                        policy));
            }
        });
        states.replaceAll((name, state) -> new State(Level.OK, now, state.stats()));
        pending.clear();
        return transitions;
    }

    public State state(AlertName name) {
        return states.get(name);
    }

    /** The highest level of the target's alerts. */
    public Level level() {
        return states.values().stream().map(State::level).reduce(Level.OK, Level::max);
    }

    /**
     * The two-threshold, held-for, hysteresis judgement both graded alerts share: it remembers since
     * when the value has been at or above each level and below each level's clearing point.
     */
    private final class Hysteresis {
        private final AlertName alert;
        private Instant atOrAboveWarningSince;
        private Instant atOrAboveCriticalSince;
        private Instant belowWarningClearSince;
        private Instant belowCriticalClearSince;

        Hysteresis(AlertName alert) {
            this.alert = alert;
        }

        /** What was judged so far no longer counts: each condition starts again from the next judgement. */
        void forget() {
            atOrAboveWarningSince = null;
            atOrAboveCriticalSince = null;
            belowWarningClearSince = null;
            belowCriticalClearSince = null;
        }

        /** @param value what rising and clearing are judged on; only called with at least minSamples */
        Level level(double value, double warning, double critical, Instant now) {
            double clearOn = value;
            atOrAboveWarningSince = track(value >= warning, atOrAboveWarningSince, now);
            atOrAboveCriticalSince = track(value >= critical, atOrAboveCriticalSince, now);
            belowWarningClearSince = track(clearOn < AlertPolicy.HYSTERESIS * warning, belowWarningClearSince, now);
            belowCriticalClearSince = track(clearOn < AlertPolicy.HYSTERESIS * critical, belowCriticalClearSince, now);

            Level current = states.get(alert).level();
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

        /** The higher level whose condition holds but not yet for {@code for}; judged after {@link #level}. */
        Optional<Level> pending(Instant now) {
            Level current = states.get(alert).level();
            if (current != Level.CRITICAL && atOrAboveCriticalSince != null && !held(atOrAboveCriticalSince, now)) {
                return Optional.of(Level.CRITICAL);
            }
            if (current == Level.OK && atOrAboveWarningSince != null && !held(atOrAboveWarningSince, now)) {
                return Optional.of(Level.WARNING);
            }
            return Optional.empty();
        }
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

    private void hold(AlertName name, WindowStats stats) {
        State current = states.get(name);
        states.put(name, new State(current.level(), current.since(), stats));
    }

    private void move(AlertName name, Level next, WindowStats stats, Instant now, List<Transition> out) {
        State current = states.get(name);
        if (current.level() == next) {
            states.put(name, new State(current.level(), current.since(), stats));
            return;
        }
        out.add(new Transition(target, name, current.level(), next, now, current.since(), stats, policy));
        states.put(name, new State(next, now, stats));
    }
}
