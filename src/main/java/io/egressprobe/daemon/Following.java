package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.NodeInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What follows the world once the targets are probed, each where the path and the config ask for it: the sidecar's
 * timeouts and stats, the Kubernetes timeout sources and the node's zone, and the ServiceEntries to probe. All are
 * paced by {@code envoy.refresh}: they re-read the timeout sources, or retry an API that refused.
 */
record Following(Optional<EnvoyTimeoutRefresher> envoy, Optional<KubernetesTimeoutRefresher> kubernetes,
                 Optional<ServiceEntryDiscovery> discovery) {

    static Following start(Vertx vertx, Clock clock, ProbeConfig config, ProbePath path, KubernetesAccess access,
                           TargetSupervisor supervisor, DependencyHealth health, NodeInfo nodeInfo, String node,
                           Supplier<ProbeSettings> defaults, Consumer<List<Target>> discovered) {
        Duration refresh = config.envoy().refresh();
        Optional<EnvoyTimeoutRefresher> envoy = path != ProbePath.SIDECAR ? Optional.empty()
                : Optional.of(new EnvoyTimeoutRefresher(vertx, clock, new EnvoyAdminClient(vertx, config.envoy().adminUrl()),
                        supervisor, refresh, health));
        envoy.ifPresent(EnvoyTimeoutRefresher::start);
        if (!access.enabled(config.kubernetes())) {
            return new Following(envoy, Optional.empty(), Optional.empty());
        }
        NodeZone.read(vertx, access, node, nodeInfo);
        KubernetesTimeoutRefresher istio = new KubernetesTimeoutRefresher(vertx,
                new IstioTimeoutReader(access.client(), access.ownPod()), supervisor, refresh, health);
        istio.start();
        Optional<ServiceEntryDiscovery> discovery = !config.discovery().serviceEntriesEnabled() ? Optional.empty()
                : Optional.of(new ServiceEntryDiscovery(vertx, access, health, config.discovery().labelSelector(), refresh,
                        defaults, discovered));
        discovery.ifPresent(ServiceEntryDiscovery::start);
        return new Following(envoy, Optional.of(istio), discovery);
    }

    /** Reads under way end first: a blocking parse that completes after Vert.x closed would throw on a worker. */
    Future<Void> stop() {
        discovery.ifPresent(ServiceEntryDiscovery::stop);
        return Future.join(envoy.map(EnvoyTimeoutRefresher::stop).orElse(Future.succeededFuture()),
                kubernetes.map(KubernetesTimeoutRefresher::stop).orElse(Future.succeededFuture())).mapEmpty();
    }
}
