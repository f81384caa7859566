package io.egressprobe.daemon;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertEvaluator;
import io.egressprobe.alert.AlertLevels;
import io.egressprobe.alert.AlertPolicy;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.Target;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.Notification;
import io.egressprobe.notify.Notifier;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Evaluates every target's alerts at a steady pace on one context, enters each evaluation in the {@link AlertBook}
 * and then hands its transitions to the notifiers. While the daemon itself cannot keep up (its attempts start late, or
 * its collector stops it: {@link TargetSupervisor#ownOverload}) it judges nothing: what its samples show then is partly
 * its own delay, and its own overload must never page a target's owners.
 */
public final class AlertLoop {
    private static final Logger LOG = LoggerFactory.getLogger(AlertLoop.class);

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final TargetSupervisor targets;
    private final AlertBook book;
    private final String node;
    private final Supplier<URI> runbook;
    private final Map<String, Judged> evaluators = new HashMap<>();
    private volatile List<Notifier> notifiers;
    private long timerId = -1;
    /** When the daemon's own overload began to hold the targets' alerts; null while they are judged. */
    private Instant heldSince;
    private volatile boolean overloaded;

    /** A target's evaluator and the target as last judged, for the resolve of its alerts once it is gone. */
    private record Judged(AlertEvaluator evaluator, Target target, ProbePath path) {}

    public AlertLoop(Vertx vertx, Context context, Clock clock, TargetSupervisor targets, AlertBook book,
                     List<Notifier> notifiers, String node, Supplier<URI> runbook) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.targets = targets;
        this.book = book;
        this.notifiers = List.copyOf(notifiers);
        this.node = node;
        this.runbook = runbook;
    }

    /** Whether the targets' alerts are held now because the daemon itself cannot keep up. */
    public boolean overloaded() {
        return overloaded;
    }

    public void start(Duration every) {
        context.runOnContext(v -> timerId = vertx.setPeriodic(every.toMillis(), id -> evaluate()));
    }

    /**
     * Replaces the notifiers (config reload); the old ones are closed. The new ones start from the book: the
     * Alertmanager notifier resends what fires at once, so a reload never lets Alertmanager resolve a live alert.
     */
    public Future<Void> setNotifiers(List<Notifier> next) {
        List<Notifier> old = notifiers;
        notifiers = List.copyOf(next);
        return Future.all(old.stream().map(Notifier::close).toList()).mapEmpty();
    }

    public Future<Void> stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        return Future.all(notifiers.stream().map(Notifier::close).toList()).mapEmpty();
    }

    void evaluate() {
        Optional<String> overload = targets.ownOverload();
        overloaded = overload.isPresent();
        if (overload.isPresent() != (heldSince != null)) {
            if (overload.isPresent()) {
                heldSince = clock.instant();
                LOG.atWarn().addKeyValue("reason", overload.get()).log("holding every target's alerts: {}; no alert fires or"
                        + " resolves until the daemon keeps up again", overload.get());
            } else {
                LOG.atInfo().addKeyValue("heldSince", heldSince).log("the daemon keeps up again: judging the targets' alerts");
                heldSince = null;
            }
        }
        if (overload.isPresent()) {
            return; // our own overload is never a target's alert: what fires keeps firing, nothing new fires
        }
        Instant now = clock.instant();
        URI runbookUrl = runbook.get();
        List<Notification> transitions = new ArrayList<>();
        Map<String, AlertLevels> levels = new HashMap<>();
        for (TargetState state : targets.states()) {
            TargetFacts facts = state.facts();
            Target target = facts.target();
            Judged judged = evaluators.compute(target.name(), (name, before) -> new Judged(before == null
                    ? new AlertEvaluator(name, AlertPolicy.of(target.settings())) : before.evaluator(), target, facts.path()));
            judged.evaluator().setPolicy(AlertPolicy.of(target.settings()));
            for (Transition t : judged.evaluator().evaluate(state.stats(), now)) {
                transitions.add(notification(t, target, facts.path(),
                        Advice.of(t, target.host(), target.port(), facts.lastError(), facts.judgedRoute(), state.addresses()), runbookUrl));
            }
            levels.put(target.name(), judged.evaluator().levels());
        }
        for (Iterator<Map.Entry<String, Judged>> it = evaluators.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Judged> gone = it.next();
            if (!levels.containsKey(gone.getKey())) {
                Target target = gone.getValue().target();
                for (Transition t : gone.getValue().evaluator().resolveAll(now)) {
                    transitions.add(notification(t, target, gone.getValue().path(),
                            Advice.targetRemoved(t, target.host(), target.port()), runbookUrl));
                }
                it.remove();
            }
        }
        book.enter(transitions, levels);
        transitions.forEach(this::dispatch);
    }

    private Notification notification(Transition t, Target target, ProbePath path, Advice advice, URI runbookUrl) {
        return new Notification(t, target.host(), target.port(), node, path, advice, runbookUrl);
    }

    private void dispatch(Notification n) {
        for (Notifier notifier : notifiers) {
            try {
                notifier.send(n);
            } catch (RuntimeException e) {
                LOG.atError().addKeyValue("notifier", notifier.name()).setCause(e).log("notifier {} failed", notifier.name());
            }
        }
    }
}
