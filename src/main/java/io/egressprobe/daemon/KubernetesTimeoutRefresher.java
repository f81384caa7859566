package io.egressprobe.daemon;

import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands the DestinationRules and the mesh ConfigMap to the targets every {@code envoy.refresh}, from the reader's
 * informers (which it starts, or starts again after a failure, on a worker thread: that blocks). A change in how the
 * reads go is logged once.
 */
final class KubernetesTimeoutRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesTimeoutRefresher.class);

    private final Vertx vertx;
    private final IstioTimeoutReader reader;
    private final TargetSupervisor targets;
    private final Duration refresh;
    private final DependencyHealth health;
    private String lastStatus;
    private long timerId = -1;
    /** A slow API server must not pile reads up on the worker pool: a refresh is skipped while one runs. */
    private final InFlight inFlight = new InFlight();
    private boolean stopped;

    KubernetesTimeoutRefresher(Vertx vertx, IstioTimeoutReader reader, TargetSupervisor targets, Duration refresh,
                               DependencyHealth health) {
        this.vertx = vertx;
        this.reader = reader;
        this.targets = targets;
        this.refresh = refresh;
        this.health = health;
    }

    void start() {
        refresh();
        timerId = vertx.setPeriodic(refresh.toMillis(), id -> refresh());
    }

    /** Stops refreshing; completes once the read under way has ended (bounded). */
    Future<Void> stop() {
        stopped = true;
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        return inFlight.settled(vertx).compose(v -> vertx.executeBlocking(() -> {
            reader.close();
            return null;
        }, false));
    }

    private void refresh() {
        if (inFlight.busy()) {
            return;
        }
        inFlight.track(vertx.executeBlocking(reader::read, false)).onComplete(ar -> {
            if (stopped) {
                return;
            }
            if (ar.failed()) {
                health.set(Dependency.DESTINATION_RULES, false);
                health.set(Dependency.MESH_CONFIG, false);
                report("cannot read Istio resources: " + ar.cause().getMessage());
                return;
            }
            IstioTimeoutReader.Snapshot s = ar.result();
            LOG.atDebug().addKeyValue("destinationRules", s.destinationRules().size())
                    .log("Kubernetes API read: {} DestinationRules ({}); mesh config {}", s.destinationRules().size(),
                            s.destinationRulesStatus(), s.meshConfigStatus());
            health.set(Dependency.DESTINATION_RULES, s.destinationRulesRead());
            health.set(Dependency.MESH_CONFIG, s.meshConfigRead());
            targets.applyKubernetesTimeouts(s);
            report("DestinationRules " + s.destinationRulesStatus() + "; mesh config " + s.meshConfigStatus());
        });
    }

    private void report(String status) {
        if (!Objects.equals(status, lastStatus)) {
            LOG.atInfo().addKeyValue("status", status).log("Kubernetes timeout sources: {}", status);
            lastStatus = status;
        }
    }
}
