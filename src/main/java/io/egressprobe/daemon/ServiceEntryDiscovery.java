package io.egressprobe.daemon;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.kube.ServiceEntries;
import io.egressprobe.kube.UseWaypoint;
import io.egressprobe.kube.ServiceEntryWatcher;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ServiceEntries carrying the discovery label become targets, with the config's defaults. Where the API does not allow
 * it yet (RBAC, no CRD), static targets only, said once, and the watch is tried again every {@code retryEvery}.
 */
final class ServiceEntryDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceEntryDiscovery.class);

    private final Vertx vertx;
    private final KubernetesAccess kubernetes;
    private final DependencyHealth health;
    private final String labelSelector;
    private final Duration retryEvery;
    private final Supplier<ProbeSettings> defaults;
    private final Consumer<List<Target>> onChange;
    private final Consumer<Declared> onNamespaces;

    /**
     * What the discovered ServiceEntries say of their hosts beside the targets.
     *
     * @param namespaces each host's ServiceEntry namespace
     * @param waypoints  each host's ambient waypoint, where its ServiceEntry names one
     */
    record Declared(Map<String, String> namespaces, Map<String, UseWaypoint.Waypoint> waypoints) {}
    private volatile ServiceEntryWatcher watcher;
    private volatile long retry = -1;
    private volatile boolean stopped;

    ServiceEntryDiscovery(Vertx vertx, KubernetesAccess kubernetes, DependencyHealth health, String labelSelector,
                          Duration retryEvery, Supplier<ProbeSettings> defaults, Consumer<List<Target>> onChange,
                          Consumer<Declared> onNamespaces) {
        this.vertx = vertx;
        this.kubernetes = kubernetes;
        this.health = health;
        this.labelSelector = labelSelector;
        this.retryEvery = retryEvery;
        this.defaults = defaults;
        this.onChange = onChange;
        this.onNamespaces = onNamespaces;
    }

    void start() {
        ServiceEntryWatcher next = new ServiceEntryWatcher(kubernetes.client(), labelSelector);
        vertx.executeBlocking(() -> {
            next.start(endpoints -> {
                onChange.accept(endpoints.stream().map(this::target).toList());
                onNamespaces.accept(new Declared(namespaces(endpoints), waypoints(endpoints)));
            });
            return next;
        }, false).onComplete(ar -> {
            if (stopped) {
                next.close();
            } else if (ar.succeeded()) {
                watcher = next;
                health.track(Dependency.SERVICE_ENTRIES, next::isWatching);
                LOG.atInfo().addKeyValue("labelSelector", labelSelector).log("following ServiceEntries with {}", labelSelector);
            } else {
                health.set(Dependency.SERVICE_ENTRIES, false);
                next.close();
                if (retry < 0) {
                    LOG.atWarn().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                            .log("cannot follow ServiceEntries ({}); static targets only, retrying every {}",
                                    ar.cause().getMessage(), retryEvery);
                }
                retry = vertx.setTimer(retryEvery.toMillis(), id -> start());
            }
        });
    }

    /**
     * Each host's ServiceEntry namespace: where Istio looks for the service's exported DestinationRules. A host declared
     * in several namespaces takes the first by name (only the discovered ServiceEntries are seen here).
     */
    static Map<String, String> namespaces(List<ServiceEntries.Endpoint> endpoints) {
        Map<String, String> out = new TreeMap<>();
        for (ServiceEntries.Endpoint e : endpoints) {
            String namespace = e.source().substring(0, Math.max(0, e.source().indexOf('/')));
            out.merge(e.host(), namespace, (a, b) -> a.compareTo(b) <= 0 ? a : b);
        }
        return out;
    }

    /** Each host's waypoint; a host declared in several ServiceEntries takes the first that names one (by namespace, name). */
    static Map<String, UseWaypoint.Waypoint> waypoints(List<ServiceEntries.Endpoint> endpoints) {
        Map<String, UseWaypoint.Waypoint> out = new TreeMap<>();
        endpoints.forEach(e -> e.waypoint().ifPresent(w -> out.putIfAbsent(e.host(), w)));
        return out;
    }

    private Target target(ServiceEntries.Endpoint e) {
        return new Target(e.name(), e.host(), e.port(), e.host(), TlsSettings.DEFAULT, Optional.empty(), defaults.get(),
                Map.of());
    }

    void stop() {
        stopped = true;
        if (retry >= 0) {
            vertx.cancelTimer(retry);
        }
        if (watcher != null) {
            watcher.close();
        }
    }
}
