package io.egressprobe.daemon;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertLevels;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.Target;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.AlertStateFile;
import io.egressprobe.target.TargetCore;
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
 * Judges every target's alerts at a steady pace on one context, each through its target's {@link TargetCore}, enters
 * each evaluation in the {@link AlertBook} and then hands its transitions to the notifiers. While the daemon itself
 * cannot keep up (its attempts start late, or its collector stops it: {@link TargetSupervisor#ownOverload}) it judges
 * nothing: what its samples show then is partly its own delay, and its own overload must never page a target's owners.
 *
 * <p>Across a restart (the state file, where configured): the alerts the previous run fired are in the book from the
 * start and held by their targets' cores until these have {@code minSamples} again, then confirmed or resolved; what a
 * notifier had not delivered is handed to the new one. Across a reload, a rebuilt notifier takes over its
 * predecessor's undelivered transitions.
 */
public final class AlertLoop {
    private static final Logger LOG = LoggerFactory.getLogger(AlertLoop.class);
    /**
     * How long an alert the previous run fired waits for its target to appear (discovered targets come after the
     * configured ones) before it is resolved as removed.
     */
    static final Duration RESTORED_TARGET_WAIT = Duration.ofMinutes(2);

    private final Vertx vertx;
    private final Context context;
    private final Clock clock;
    private final TargetSupervisor targets;
    private final AlertBook book;
    private final String node;
    private final Supplier<URI> runbook;
    private final Optional<AlertStateFile> stateFile;
    private final Map<String, Judged> judged = new HashMap<>();
    /** What the previous run fired, by target, until the target's core has taken it (or the target never came). */
    private final Map<String, List<Notification>> restored = new HashMap<>();
    private final Instant startedAt;
    private volatile List<Notifier> notifiers;
    private long timerId = -1;
    private volatile boolean stopped;
    /** When the daemon's own overload began to hold the targets' alerts; null while they are judged. */
    private Instant heldSince;
    private volatile boolean overloaded;

    /** A target's core and the target as last judged, for the resolve of its alerts once it is gone. */
    private record Judged(TargetCore core, Target target, ProbePath path) {}

    public AlertLoop(Vertx vertx, Context context, Clock clock, TargetSupervisor targets, AlertBook book,
                     List<Notifier> notifiers, String node, Supplier<URI> runbook) {
        this(vertx, context, clock, targets, book, notifiers, node, runbook, Optional.empty(), AlertStateFile.Saved.EMPTY);
    }

    /**
     * @param stateFile where the firing set and the undelivered transitions are kept across restarts
     * @param saved     what the previous run left there; its firing alerts must already be in {@code book}
     */
    public AlertLoop(Vertx vertx, Context context, Clock clock, TargetSupervisor targets, AlertBook book,
                     List<Notifier> notifiers, String node, Supplier<URI> runbook, Optional<AlertStateFile> stateFile,
                     AlertStateFile.Saved saved) {
        this.vertx = vertx;
        this.context = context;
        this.clock = clock;
        this.targets = targets;
        this.book = book;
        this.notifiers = List.copyOf(notifiers);
        this.node = node;
        this.runbook = runbook;
        this.stateFile = stateFile;
        this.startedAt = clock.instant();
        saved.firing().forEach(n -> restored.computeIfAbsent(n.transition().target(), t -> new ArrayList<>()).add(n));
        this.notifiers.forEach(n -> n.adopt(saved.undeliveredTo(n.name())));
    }

    /** Whether the targets' alerts are held now because the daemon itself cannot keep up. */
    public boolean overloaded() {
        return overloaded;
    }

    public void start(Duration every) {
        context.runOnContext(v -> timerId = vertx.setPeriodic(every.toMillis(), id -> evaluate()));
    }

    /**
     * Replaces the notifiers (config reload). The new ones start from the book (the Alertmanager notifier resends what
     * fires at once, so a reload never lets Alertmanager resolve a live alert); once the old ones are closed, each new
     * one takes over what its predecessor of the same name had not delivered, so a reload drops nothing.
     */
    public Future<Void> setNotifiers(List<Notifier> next) {
        List<Notifier> old = notifiers;
        notifiers = List.copyOf(next);
        return Future.all(old.stream().map(Notifier::close).toList()).onComplete(v -> {
            for (Notifier before : old) {
                next.stream().filter(n -> n.name().equals(before.name())).findFirst()
                        .ifPresent(successor -> successor.adopt(before.undelivered()));
            }
        }).mapEmpty();
    }

    /** Judges no more: called first when the daemon stops, so that targets stopping are never taken for removed. */
    public void halt() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    /** Closes the notifiers and leaves what fires and what they did not deliver in the state file. */
    public Future<Void> stop() {
        halt();
        List<Notifier> closing = notifiers;
        return Future.all(closing.stream().map(Notifier::close).toList()).transform(v -> save(closing));
    }

    void evaluate() {
        if (stopped) {
            return;
        }
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
            save(notifiers); // our own overload is never a target's alert: what fires keeps firing, nothing new fires
            return;
        }
        Instant now = clock.instant();
        URI runbookUrl = runbook.get();
        List<Notification> transitions = new ArrayList<>();
        Map<String, AlertLevels> levels = new HashMap<>();
        for (TargetState state : targets.states()) {
            TargetFacts facts = state.facts();
            Target target = facts.target();
            TargetCore core = state.core();
            Optional.ofNullable(restored.remove(target.name())).ifPresent(was -> was.forEach(n ->
                    core.restore(n.transition().alert(), n.transition().to(), n.transition().at())));
            judged.put(target.name(), new Judged(core, target, facts.path()));
            for (Transition t : core.judge(now)) {
                transitions.add(notification(t, target, facts.path(),
                        Advice.of(t, target.host(), target.port(), facts.lastError(), facts.judgedRoute(), state.addresses(),
                                facts.views()), runbookUrl));
            }
            levels.put(target.name(), core.snapshot().levels());
        }
        for (Iterator<Map.Entry<String, Judged>> it = judged.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, Judged> gone = it.next();
            if (!levels.containsKey(gone.getKey())) {
                Target target = gone.getValue().target();
                for (Transition t : gone.getValue().core().resolveAll(now)) {
                    transitions.add(notification(t, target, gone.getValue().path(),
                            Advice.targetRemoved(t, target.host(), target.port()), runbookUrl));
                }
                it.remove();
            }
        }
        if (!restored.isEmpty() && !now.isBefore(startedAt.plus(RESTORED_TARGET_WAIT))) {
            restored.values().forEach(was -> was.forEach(n -> transitions.add(removed(n, now))));
            restored.clear();
        }
        book.enter(transitions, levels);
        transitions.forEach(this::dispatch);
        save(notifiers);
    }

    /** The resolve of an alert the previous run fired for a target this run does not probe. */
    private static Notification removed(Notification n, Instant now) {
        Transition was = n.transition();
        Transition t = new Transition(was.target(), was.alert(), was.to(), Level.OK, now, was.at(), null, null);
        return new Notification(t, n.host(), n.port(), n.node(), n.path(), Advice.targetRemoved(t, n.host(), n.port()),
                n.runbookUrl(), n.window());
    }

    /** The state file, written off the event loop, in order; only when it changed. */
    private Future<Void> save(List<Notifier> from) {
        if (stateFile.isEmpty()) {
            return Future.succeededFuture();
        }
        Map<String, List<Notification>> undelivered = new HashMap<>();
        from.forEach(n -> undelivered.put(n.name(), n.undelivered()));
        AlertStateFile.Saved saved = new AlertStateFile.Saved(List.copyOf(book.firing()), undelivered);
        return context.executeBlocking(() -> {
            stateFile.get().write(saved);
            return null;
        }, true).mapEmpty();
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
