package io.egressprobe.daemon;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.kube.NamespaceLabels;
import io.egressprobe.kube.ServiceEntries;
import io.egressprobe.kube.UseWaypoint;
import io.egressprobe.kube.ServiceEntryWatcher;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ServiceEntries carrying the discovery label become targets, with the config's defaults. Where the API does not allow
 * it yet (RBAC, no CRD), static targets only, said once, and the watch is tried again every {@code retryEvery}.
 *
 * <p>On the ambient path ({@code namespaceLabels} present) a ServiceEntry without {@code istio.io/use-waypoint} of its
 * own takes its namespace's ({@link UseWaypoint}): the labels of those namespaces only (never a list of all) are read
 * when such a ServiceEntry appears in one not read yet, and read again every {@code retryEvery}, as a relabelled
 * namespace changes no ServiceEntry. Where {@code get namespaces} is refused (an older RBAC) or fails, only that binding
 * is lost: said once per failure streak, {@code egress_probe_dependency_up{dependency="namespaces"}} 0, the last labels
 * read kept, and the targets probed as before.
 */
final class ServiceEntryDiscovery {
    private static final Logger LOG = LoggerFactory.getLogger(ServiceEntryDiscovery.class);

    private final Vertx vertx;
    private final Supplier<KubernetesClient> kubernetes;
    private final Optional<NamespaceLabels> namespaceLabels;
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
    private volatile long reread = -1;
    private volatile boolean stopped;
    private volatile List<ServiceEntries.Endpoint> latest = List.of();
    /** The labels of the namespaces read (only those that decide a ServiceEntry's waypoint); guarded by this. */
    private Map<String, Map<String, String>> namespaceCache = Map.of();
    private boolean namespacesFailing;
    private boolean warnedSkipped;

    /**
     * @param namespaceLabels where namespaces' {@code istio.io/use-waypoint} is read (the ambient path), else empty
     */
    ServiceEntryDiscovery(Vertx vertx, Supplier<KubernetesClient> kubernetes, Optional<NamespaceLabels> namespaceLabels,
                          DependencyHealth health, String labelSelector, Duration retryEvery,
                          Supplier<ProbeSettings> defaults, Consumer<List<Target>> onChange, Consumer<Declared> onNamespaces) {
        this.vertx = vertx;
        this.kubernetes = kubernetes;
        this.namespaceLabels = namespaceLabels;
        this.health = health;
        this.labelSelector = labelSelector;
        this.retryEvery = retryEvery;
        this.defaults = defaults;
        this.onChange = onChange;
        this.onNamespaces = onNamespaces;
    }

    void start() {
        ServiceEntryWatcher next = new ServiceEntryWatcher(kubernetes.get(), labelSelector);
        vertx.executeBlocking(() -> {
            next.start(endpoints -> {
                latest = endpoints;
                onChange.accept(endpoints.stream().map(this::target).toList());
                // Off fabric8's thread: a namespace's read must not hold the informer's next event.
                vertx.executeBlocking(() -> {
                    declare(false);
                    return null;
                }, false);
            });
            return next;
        }, false).onComplete(ar -> {
            if (stopped) {
                next.close();
            } else if (ar.succeeded()) {
                watcher = next;
                if (namespaceLabels.isPresent()) {
                    reread = vertx.setPeriodic(retryEvery.toMillis(), id -> vertx.executeBlocking(() -> {
                        declare(true);
                        return null;
                    }, false));
                }
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
     * Hands on what the ServiceEntries declare, their namespaces' labels read first where a waypoint depends on them:
     * those not read yet, or all of them when {@code again} (each refresh). Blocking: on a worker.
     */
    private synchronized void declare(boolean again) {
        List<ServiceEntries.Endpoint> endpoints = latest;
        if (namespaceLabels.isPresent()) {
            Set<String> needed = new TreeSet<>();
            endpoints.stream().filter(ServiceEntries.Endpoint::namespaceDecides).forEach(e -> needed.add(e.namespace()));
            Set<String> toRead = new TreeSet<>(needed);
            if (!again) {
                toRead.removeAll(namespaceCache.keySet());
            }
            Map<String, Map<String, String>> next = new TreeMap<>(namespaceCache);
            next.keySet().retainAll(needed);
            // While reads fail, only the refresh tries again: a refused GET per ServiceEntry event would add nothing.
            if (!toRead.isEmpty() && !stopped && (again || !namespacesFailing)) {
                NamespaceLabels.Read read = namespaceLabels.get().read(toRead);
                next.putAll(read.labels());
                noteRead(read);
            }
            namespaceCache = Map.copyOf(next);
        }
        if (!stopped) {
            onNamespaces.accept(new Declared(namespaces(endpoints), waypoints(endpoints, namespaceCache)));
        }
    }

    private void noteRead(NamespaceLabels.Read read) {
        health.set(Dependency.NAMESPACES, read.failure().isEmpty());
        if (read.failure().isPresent() && !namespacesFailing) {
            LOG.atWarn().addKeyValue("error", read.failure().get()).log("cannot read the labels of the ServiceEntries'"
                    + " namespaces: {}; a ServiceEntry is bound to a waypoint by its own istio.io/use-waypoint only (the"
                    + " targets are probed as before); trying again every {}", read.failure().get(), retryEvery);
            namespacesFailing = true;
        } else if (read.failure().isEmpty() && namespacesFailing) {
            LOG.atInfo().log("the labels of the ServiceEntries' namespaces are read again");
            namespacesFailing = false;
        }
        if (read.skipped() > 0 && !warnedSkipped) {
            LOG.atWarn().addKeyValue("skipped", read.skipped()).log("the ServiceEntries without istio.io/use-waypoint of"
                    + " their own span more than {} namespaces: {} are not read, their hosts bound by no namespace label",
                    NamespaceLabels.MAX_NAMESPACES, read.skipped());
            warnedSkipped = true;
        }
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

    /**
     * Each host's waypoint, its ServiceEntry's own label first, else its namespace's where {@code namespaceLabels} has
     * them; a host declared in several ServiceEntries takes the first that is bound (by namespace, name).
     */
    static Map<String, UseWaypoint.Waypoint> waypoints(List<ServiceEntries.Endpoint> endpoints,
                                                       Map<String, Map<String, String>> namespaceLabels) {
        Map<String, UseWaypoint.Waypoint> out = new TreeMap<>();
        endpoints.forEach(e -> e.waypoint(Optional.ofNullable(namespaceLabels.get(e.namespace())))
                .ifPresent(w -> out.putIfAbsent(e.host(), w)));
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
        if (reread >= 0) {
            vertx.cancelTimer(reread);
        }
        if (watcher != null) {
            watcher.close();
        }
    }
}
