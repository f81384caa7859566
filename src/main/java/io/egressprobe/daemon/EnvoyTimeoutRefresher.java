package io.egressprobe.daemon;

import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.envoy.ClusterTimeouts;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads the sidecar's cluster timeouts and connect stats every {@code envoy.refresh}. When the admin API fails, the
 * last good answer stands for three refresh periods (a restarting sidecar should not swing every
 * target to another timeout and back); after that the targets fall back to the next source. A failure
 * streak is logged once, and every target's status says what the admin API last answered.
 */
final class EnvoyTimeoutRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(EnvoyTimeoutRefresher.class);
    static final int GRACE_PERIODS = 3;

    private final Vertx vertx;
    private final Clock clock;
    private final EnvoyAdminClient admin;
    private final TargetSupervisor targets;
    private final Duration refresh;
    private ClusterTimeouts lastGood;
    private Instant lastGoodAt = Instant.EPOCH;
    private boolean failing;
    private long timerId = -1;
    private final DependencyHealth health;
    private final InFlight inFlight = new InFlight();
    private boolean stopped;

    EnvoyTimeoutRefresher(Vertx vertx, Clock clock, EnvoyAdminClient admin, TargetSupervisor targets, Duration refresh,
                          DependencyHealth health) {
        this.health = health;
        this.vertx = vertx;
        this.clock = clock;
        this.admin = admin;
        this.targets = targets;
        this.refresh = refresh;
    }

    void start() {
        refresh();
        timerId = vertx.setPeriodic(refresh.toMillis(), id -> refresh());
    }

    /** Stops refreshing; completes once the read under way has ended (bounded), with the client closed. */
    Future<Void> stop() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        return inFlight.settled(vertx).onComplete(v -> admin.close());
    }

    private void refresh() {
        if (inFlight.busy()) {
            return; // a slow admin API must not pile requests up: the next period asks again
        }
        // Stats reach a target through the cluster its timeout came from: ask for them once the timeouts are applied,
        // or a stats answer that came back first would find no cluster and be dropped until the next refresh.
        inFlight.track(admin.clusterTimeouts().andThen(this::applyTimeouts)
                .transform(timeouts -> stopped ? Future.succeededFuture() : admin.clusterStats().andThen(this::applyStats)));
    }

    private void applyTimeouts(AsyncResult<ClusterTimeouts> ar) {
        if (stopped) {
            return;
        }
        Instant now = clock.instant();
        health.set(Dependency.ENVOY_ADMIN, ar.succeeded());
        if (ar.succeeded()) {
            lastGood = ar.result();
            lastGoodAt = now;
            if (failing) {
                LOG.atInfo().log("Envoy admin API answers again; timeouts from the sidecar");
                failing = false;
            }
            targets.applyEnvoyTimeouts(Optional.of(lastGood), "ok");
            return;
        }
        String reason = String.valueOf(ar.cause().getMessage());
        if (!failing) {
            LOG.atWarn().addKeyValue("error", reason)
                    .log("cannot read timeouts from the Envoy admin API ({}); keeping the last answer for {}, then the next source",
                            reason, refresh.multipliedBy(GRACE_PERIODS));
            failing = true;
        }
        boolean stale = Duration.between(lastGoodAt, now).compareTo(refresh.multipliedBy(GRACE_PERIODS)) > 0;
        if (stale) {
            lastGood = null;
        }
        targets.applyEnvoyTimeouts(Optional.ofNullable(lastGood), "unavailable: " + reason
                + (lastGood == null ? "" : " (using the answer of " + lastGoodAt + ")"));
    }

    private void applyStats(AsyncResult<Map<String, ClusterStats>> ar) {
        if (!stopped) {
            targets.applyEnvoyStats(ar.succeeded() ? Optional.of(ar.result()) : Optional.empty(),
                    ar.succeeded() ? "ok" : "unavailable: " + ar.cause().getMessage());
        }
    }
}
