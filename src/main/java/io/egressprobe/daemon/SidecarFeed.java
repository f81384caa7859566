package io.egressprobe.daemon;

import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.envoy.SidecarConfig;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sidecar's config (clusters, listeners, route configs) and connect stats, from its admin API. When the admin API
 * fails, the last good answer stands for three refresh periods (a restarting sidecar should not swing every target to
 * another timeout and back); after that the targets fall back to the next source. A failure streak is logged once,
 * and every target's status says what the admin API last answered.
 */
final class SidecarFeed implements SourceFeed {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarFeed.class);
    static final int GRACE_PERIODS = 3;

    private final Clock clock;
    private final EnvoyAdminClient admin;
    private final TargetSupervisor targets;
    private final Duration refresh;
    private final DependencyHealth health;
    private final String ownNamespace;
    private SidecarConfig lastGood;
    private Instant lastGoodAt = Instant.EPOCH;
    private boolean failing;
    private String lastListenersStatus;
    private volatile boolean stopped;

    SidecarFeed(Clock clock, EnvoyAdminClient admin, TargetSupervisor targets, Duration refresh, DependencyHealth health,
                String ownNamespace) {
        this.clock = clock;
        this.admin = admin;
        this.targets = targets;
        this.refresh = refresh;
        this.health = health;
        this.ownNamespace = ownNamespace;
    }

    /**
     * Stats reach a target through the cluster its timeout came from: they are asked for once the config is applied, or
     * a stats answer that came back first would find no cluster and be dropped until the next refresh.
     */
    @Override
    public Future<?> read() {
        return admin.sidecarConfig(ownNamespace, targets.sidecarQuestion()).andThen(this::applyConfig)
                .transform(config -> stopped ? Future.succeededFuture()
                        : admin.clusterStats(lastGood == null ? Set.of() : lastGood.clusters().timeouts().keySet())
                        .andThen(this::applyStats));
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public Future<Void> close() {
        return admin.close();
    }

    private void applyConfig(AsyncResult<SidecarConfig> ar) {
        if (stopped) {
            return;
        }
        Instant now = clock.instant();
        health.set(Dependency.ENVOY_ADMIN, ar.succeeded());
        if (ar.succeeded()) {
            lastGood = ar.result();
            lastGoodAt = now;
            if (failing) {
                LOG.atInfo().log("Envoy admin API answers again; routes and timeouts from the sidecar");
                failing = false;
            }
            String listeners = lastGood.listenersStatus().orElse(null);
            if (listeners != null && !listeners.equals(lastListenersStatus)) {
                LOG.atWarn().addKeyValue("error", listeners).log("cannot read the sidecar's listeners ({}): routes follow"
                        + " its clusters alone (an egress gateway or a blocked host is not seen)", listeners);
            }
            lastListenersStatus = listeners;
            targets.applySidecar(Optional.of(lastGood), listeners == null ? "ok" : "ok (clusters only: listeners " + listeners + ")");
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
        targets.applySidecar(Optional.ofNullable(lastGood), "unavailable: " + reason
                + (lastGood == null ? "" : " (using the answer of " + lastGoodAt + ")"));
    }

    private void applyStats(AsyncResult<Map<String, ClusterStats>> ar) {
        if (!stopped) {
            targets.applyEnvoyStats(ar.succeeded() ? Optional.of(ar.result()) : Optional.empty(),
                    ar.succeeded() ? "ok" : "unavailable: " + ar.cause().getMessage());
        }
    }
}
