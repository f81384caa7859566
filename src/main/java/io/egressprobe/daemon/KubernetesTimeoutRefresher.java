package io.egressprobe.daemon;

import io.egressprobe.kube.IstioTimeoutReader;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Re-reads DestinationRules and the mesh ConfigMap every {@code envoy.refresh}, on a worker thread (the
 * reader blocks), and hands them to the targets. A change in how the reads go is logged once.
 */
final class KubernetesTimeoutRefresher {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesTimeoutRefresher.class);

    private final Vertx vertx;
    private final IstioTimeoutReader reader;
    private final TargetSupervisor targets;
    private final Duration refresh;
    private String lastStatus;
    private long timerId = -1;

    KubernetesTimeoutRefresher(Vertx vertx, IstioTimeoutReader reader, TargetSupervisor targets, Duration refresh) {
        this.vertx = vertx;
        this.reader = reader;
        this.targets = targets;
        this.refresh = refresh;
    }

    void start() {
        refresh();
        timerId = vertx.setPeriodic(refresh.toMillis(), id -> refresh());
    }

    void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
    }

    private void refresh() {
        vertx.executeBlocking(reader::read, false).onComplete(ar -> {
            if (ar.failed()) {
                report("cannot read Istio resources: " + ar.cause().getMessage());
                return;
            }
            IstioTimeoutReader.Snapshot s = ar.result();
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
