package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.kube.NamespaceLabels;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.AdminAnswers;
import io.egressprobe.metrics.DependencyHealth;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import io.egressprobe.metrics.NodeInfo;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What follows the world once the targets are probed, each where the path and the config ask for it: the sidecar's
 * timeouts and stats, the Kubernetes timeout sources and the node's zone, and the ServiceEntries to probe. All are
 * paced by {@code envoy.refresh}: they re-read the timeout sources, or retry an API that refused.
 */
record Following(SourceRefresher sources, Optional<ServiceEntryDiscovery> discovery) {

    static Following start(Vertx vertx, Clock clock, ProbeConfig config, ProbePath path, KubernetesAccess access,
                           TargetSupervisor supervisor, MeterRegistry registry, DependencyHealth health, NodeInfo nodeInfo,
                           String node,
                           Supplier<ProbeSettings> defaults, Consumer<List<Target>> discovered) {
        Duration refresh = config.envoy().refresh();
        List<SourceFeed> feeds = new ArrayList<>();
        if (path == ProbePath.SIDECAR) {
            EnvoyAdminClient admin = new EnvoyAdminClient(vertx, config.envoy().adminUrl(), config.envoy().answerLimitBytes());
            AdminAnswers.register(registry, Arrays.stream(EnvoyAdminClient.Answer.values()).map(a -> a.label()).toList(),
                    () -> admin.lastAnswerBytes().entrySet().stream().collect(Collectors.toMap(e -> e.getKey().label(), Map.Entry::getValue)),
                    admin.answerLimit());
            feeds.add(new SidecarFeed(clock, admin, supervisor, refresh, health,
                    access.ownPod().map(PodEventRecorder.PodRef::namespace).orElse("")));
        }
        boolean kubernetes = access.enabled(config.kubernetes());
        if (kubernetes) {
            NodeZone.read(vertx, access, node, nodeInfo);
            feeds.add(new IstioFeed(vertx, new IstioTimeoutReader(access.client(), access.ownPod()), supervisor, health));
        }
        SourceRefresher sources = new SourceRefresher(vertx, refresh, feeds);
        sources.start();
        Optional<ServiceEntryDiscovery> discovery = !kubernetes || !config.discovery().serviceEntriesEnabled() ? Optional.empty()
                : Optional.of(new ServiceEntryDiscovery(vertx, access::client,
                        // Only ztunnel hands a host to a waypoint: a namespace's istio.io/use-waypoint is read on that path.
                        path == ProbePath.AMBIENT ? Optional.of(new NamespaceLabels(access.client())) : Optional.empty(), health, config.discovery().labelSelector(), refresh,
                        defaults, discovered, declared -> vertx.runOnContext(v -> supervisor.applyServiceEntries(declared.namespaces(),
                                declared.waypoints()))));
        discovery.ifPresent(ServiceEntryDiscovery::start);
        return new Following(sources, discovery);
    }

    /** Reads under way end first: a blocking parse that completes after Vert.x closed would throw on a worker. */
    Future<Void> stop() {
        discovery.ifPresent(ServiceEntryDiscovery::stop);
        return sources.stop();
    }
}
