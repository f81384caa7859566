package io.egressprobe.daemon;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertEvaluator;
import io.egressprobe.alert.AlertLevels;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.AlertPolicy;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.Target;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.notify.AlertHistory;
import io.egressprobe.notify.Notification;
import io.egressprobe.notify.Notifier;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every target's alerts at a steady pace on one context and hands transitions to the
 * notifiers. Readers on other threads see immutable snapshots.
 */
public final class AlertLoop {
    private static final Logger LOG = LoggerFactory.getLogger(AlertLoop.class);
    private static final int RECENT = 100;

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final TargetSupervisor targets;
    private final String node;
    private final Map<String, AlertEvaluator> evaluators = new HashMap<>();
    private final Map<String, Target> lastTargets = new HashMap<>();
    private final Deque<Notification> recent = new ArrayDeque<>();
    private volatile List<Notifier> notifiers;
    private volatile AlertHistory history = AlertHistory.EMPTY;
    private long timerId = -1;

    /** The firing alerts and the latest transitions, newest first. */

    public AlertLoop(Vertx vertx, Context context, Clock clock, TargetSupervisor targets, List<Notifier> notifiers,
                     String node) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.targets = targets;
        this.notifiers = List.copyOf(notifiers);
        this.node = node;
    }

    public void start(Duration every) {
        context.runOnContext(v -> timerId = vertx.setPeriodic(every.toMillis(), id -> evaluate()));
    }

    /** Replaces the notifiers (config reload); the old ones are closed. */
    public Future<Void> setNotifiers(List<Notifier> next) {
        List<Notifier> old = notifiers;
        notifiers = List.copyOf(next);
        return Future.all(old.stream().map(Notifier::close).toList()).mapEmpty();
    }

    public AlertHistory history() {
        return history;
    }

    public Future<Void> stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        return Future.all(notifiers.stream().map(Notifier::close).toList()).mapEmpty();
    }

    void evaluate() {
        Instant now = clock.instant();
        Set<String> present = new HashSet<>();
        for (TargetState state : targets.states()) {
            TargetFacts facts = state.facts();
            Target target = facts.target();
            present.add(target.name());
            lastTargets.put(target.name(), target);
            AlertEvaluator evaluator = evaluators.computeIfAbsent(target.name(),
                    name -> new AlertEvaluator(name, AlertPolicy.of(target.settings())));
            evaluator.setPolicy(AlertPolicy.of(target.settings()));
            for (Transition t : evaluator.evaluate(state.stats(), now)) {
                dispatch(t, target, facts.lastError());
            }
            Map<AlertName, Level> levels = new EnumMap<>(AlertName.class);
            for (AlertName alert : AlertName.values()) {
                levels.put(alert, evaluator.state(alert).level());
            }
            state.setAlertLevels(new AlertLevels(levels));
        }
        for (String gone : new ArrayList<>(evaluators.keySet())) {
            if (!present.contains(gone)) {
                evaluators.remove(gone).resolveAll(now).forEach(t -> dispatch(t, lastTargets.get(gone), Optional.empty()));
                lastTargets.remove(gone);
            }
        }
        publish();
    }

    private void dispatch(Transition t, Target target, Optional<String> lastError) {
        Notification n = new Notification(t, target.host(), target.port(), node,
                Advice.of(t, target.host(), target.port(), lastError));
        recent.addFirst(n);
        while (recent.size() > RECENT) {
            recent.removeLast();
        }
        for (Notifier notifier : notifiers) {
            try {
                notifier.send(n);
            } catch (RuntimeException e) {
                LOG.atError().addKeyValue("notifier", notifier.name()).setCause(e).log("notifier {} failed", notifier.name());
            }
        }
    }

    private void publish() {
        List<Notification> active = new ArrayList<>();
        Map<String, Notification> latest = new HashMap<>();
        for (Notification n : recent) {
            latest.putIfAbsent(n.key(), n);
        }
        evaluators.forEach((name, evaluator) -> {
            for (AlertName alert : AlertName.values()) {
                if (evaluator.state(alert).level() != Level.OK) {
                    Notification n = latest.get(alert.alertName() + "/" + name);
                    if (n != null) {
                        active.add(n);
                    }
                }
            }
        });
        history = new AlertHistory(List.copyOf(active), List.copyOf(recent));
    }
}
