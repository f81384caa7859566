package io.egressprobe.daemon;

import io.egressprobe.kube.IstioResources;
import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DestinationRules and the mesh ConfigMap, from the reader's informers (which it starts, or starts again after a
 * failure, on a worker thread: that blocks). A change in how the reads go is logged once.
 */
final class IstioFeed implements SourceFeed {
    private static final Logger LOG = LoggerFactory.getLogger(IstioFeed.class);

    private final Vertx vertx;
    private final IstioTimeoutReader reader;
    private final TargetSupervisor targets;
    private final DependencyHealth health;
    private String lastStatus;
    private volatile boolean stopped;

    IstioFeed(Vertx vertx, IstioTimeoutReader reader, TargetSupervisor targets, DependencyHealth health) {
        this.vertx = vertx;
        this.reader = reader;
        this.targets = targets;
        this.health = health;
    }

    @Override
    public Future<?> read() {
        java.util.Set<String> hosts = targets.hosts();
        return vertx.executeBlocking(() -> reader.read(hosts), false).onComplete(ar -> {
            if (stopped) {
                return;
            }
            if (ar.failed()) {
                health.set(Dependency.DESTINATION_RULES, false);
                health.set(Dependency.DESTINATION_RULES_WATCH, false);
                health.set(Dependency.MESH_CONFIG, false);
                health.set(Dependency.VIRTUAL_SERVICES, false);
                report("cannot read Istio resources: " + ar.cause().getMessage());
                return;
            }
            IstioTimeoutReader.Snapshot s = ar.result();
            LOG.atDebug().addKeyValue("destinationRules", s.destinationRules().size())
                    .log("Kubernetes API read: {} DestinationRules ({}); mesh config {}", s.destinationRules().size(),
                            s.destinationRulesStatus(), s.meshConfigStatus());
            health.set(Dependency.DESTINATION_RULES, s.destinationRulesRead());
            health.set(Dependency.DESTINATION_RULES_WATCH, s.destinationRulesWatched());
            health.set(Dependency.MESH_CONFIG, s.meshConfigRead());
            health.set(Dependency.VIRTUAL_SERVICES, s.virtualServicesRead());
            targets.applyIstio(new IstioResources(s.destinationRules(), s.meshConnectTimeout(), s.mesh(), s.ownLabels(), Map.of())
                    .withMeshDefaults(s.meshDefaultConnectTimeout(), s.istioVersion()).withGatewayRoutes(s.gatewayRoutes()));
            report("DestinationRules " + s.destinationRulesStatus() + "; mesh config " + s.meshConfigStatus()
                    + "; gateway VirtualServices " + s.virtualServicesStatus());
        });
    }

    @Override
    public void stop() {
        stopped = true;
    }

    @Override
    public Future<Void> close() {
        return vertx.executeBlocking(() -> {
            reader.close();
            return null;
        }, false);
    }

    private void report(String status) {
        if (!Objects.equals(status, lastStatus)) {
            LOG.atInfo().addKeyValue("status", status).log("Kubernetes timeout sources: {}", status);
            lastStatus = status;
        }
    }
}
