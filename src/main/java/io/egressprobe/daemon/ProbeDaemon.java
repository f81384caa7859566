package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.envoy.SidecarCheck;
import io.egressprobe.http.ApiServer;
import io.egressprobe.kube.IstioTimeoutReader;
import io.egressprobe.kube.NodeTopology;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.kube.ServiceEntries;
import io.egressprobe.kube.ServiceEntryWatcher;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.BuildInfo;
import io.egressprobe.metrics.ConfigMetrics;
import io.egressprobe.metrics.DependencyHealth.Dependency;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.metrics.NodeInfo;
import io.egressprobe.notify.AlertmanagerNotifier;
import io.egressprobe.notify.KubernetesEventNotifier;
import io.egressprobe.notify.LogNotifier;
import io.egressprobe.notify.Notifier;
import io.egressprobe.notify.WebhookNotifier;
import io.egressprobe.probe.EventLoops;
import io.egressprobe.probe.TlsEngine;
import io.egressprobe.probe.TlsProber;
import io.egressprobe.probe.Transport;
import io.egressprobe.target.TargetMerge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code run} command's daemon: probes the configured targets, serves the HTTP endpoints, and
 * follows config changes. {@link #start} joins its parts before the first probe is planned;
 * {@link #stop} cancels attempts in flight and closes the server.
 */
public final class ProbeDaemon {
    private static final Logger LOG = LoggerFactory.getLogger(ProbeDaemon.class);

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final Clock clock;
    private final Path configFile;
    private final Intervals intervals;
    private final String node;
    /** Replaced by reloads on the reloader's context, read on others. */
    private volatile ProbeConfig config;
    private EventLoops loops;
    private TlsProber prober;
    private TargetSupervisor supervisor;
    private ConfigReloader reloader;
    private ApiServer api;
    private AlertLoop alerts;
    private KubernetesAccess kubernetes;
    private EnvoyTimeoutRefresher envoyTimeouts;
    private SidecarWatch sidecar;
    private KubernetesTimeoutRefresher kubernetesTimeouts;
    private ServiceEntryWatcher serviceEntries;
    private DependencyHealth health;
    private NodeInfo nodeInfo;
    private volatile List<Target> discovered = List.of();
    private Future<Void> lastApply = Future.succeededFuture();
    private long discoveryRetry = -1;
    private volatile boolean started;

    /**
     * How often the config file is read whatever its folder's watch says, how often the alerts are evaluated, and how
     * long the first probe waits for the sidecar to be ready.
     */
    public record Intervals(Duration configPoll, Duration alertEvaluation, Duration sidecarWait) {
        public static final Intervals DEFAULT =
                new Intervals(Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofMinutes(2));
    }

    public ProbeDaemon(Vertx vertx, PrometheusMeterRegistry registry, Clock clock, Path configFile,
                       ProbeConfig initial, Intervals intervals, String node) {
        this.vertx = vertx;
        this.registry = registry;
        this.clock = clock;
        this.configFile = configFile;
        this.config = initial;
        this.intervals = intervals;
        this.node = node;
    }

    /** Completes with the port the HTTP server listens on. */
    public Future<Integer> start(byte[] initialContent) {
        ConfigMetrics configMetrics = new ConfigMetrics(registry, clock);
        health = new DependencyHealth(registry);
        Transport transport = Transport.of(vertx);
        BuildInfo.register(registry, transport.label());
        Transport.whyNotNative(vertx).ifPresent(why -> LOG.atWarn().addKeyValue("transport", transport.label())
                .addKeyValue("reason", why).log("native epoll transport unavailable ({}): {}", why, transport.kernelTruth()));
        nodeInfo = new NodeInfo(registry, node);
        configMetrics.succeeded();
        prober = new TlsProber(vertx, TlsEngine.best());
        kubernetes = new KubernetesAccess(vertx, System.getenv());
        SidecarCheck check = new SidecarCheck(vertx, config.envoy().readyUrl(), config.envoy().adminUrl());
        return detectPath(check).compose(path -> EventLoops.deploy(vertx, MeteredVertx.EVENT_LOOPS)
                .compose(deployed -> {
                    loops = deployed;
                    supervisor = new TargetSupervisor(vertx, loops, prober, registry, clock, path,
                            kubernetes.ownPod().map(PodEventRecorder.PodRef::namespace).orElse(""),
                            config.metrics().phaseHistograms());
                    reloader = new ConfigReloader(vertx, configFile, initialContent, configMetrics, this::apply);
                    alerts = new AlertLoop(vertx, loops.forKey("alerts"), clock, supervisor, notifiers(config), node);
                    if (path == ProbePath.SIDECAR) {
                        sidecar = new SidecarWatch(vertx, registry, check);
                    } else {
                        check.close();
                    }
                    api = new ApiServer(vertx, registry, supervisor, reloader, alerts::snapshot, this::ready,
                            prober.engine().label(), transport, clock);
                    return api.listen(config.listen());
                })
                .compose(port -> (sidecar == null ? Future.<Void>succeededFuture() : sidecar.awaitReady(intervals.sidecarWait()))
                        .compose(v -> applyTargets())
                        .map(v -> {
                            startFollowing(path);
                            started = true;
                            LOG.atInfo().addKeyValue("port", port).addKeyValue("targets", config.targets().size())
                                    .addKeyValue("tlsEngine", prober.engine().label()).addKeyValue("path", path.label())
                                    .addKeyValue("transport", transport.label())
                                    .log("egress-probe listening on {}:{}, probing {} targets on the {} path (TLS engine {},"
                                                    + " transport {}: {})", config.listen().host(), port,
                                            config.targets().size(), path.label(), prober.engine().label(), transport.label(),
                                            transport.kernelTruth());
                            return port;
                        })));
    }

    /** Reads the config file and applies it, as {@code POST /-/reload} does; a bad file keeps the last good config. */
    public Future<ConfigReloader.ReloadOutcome> reload() {
        return reloader == null ? Future.failedFuture("not started") : reloader.reload(true);
    }

    /** What runs in the background once the targets are probed: reloads, alerts, and the timeout sources. */
    private void startFollowing(ProbePath path) {
        reloader.watch(intervals.configPoll().toMillis());
        alerts.start(intervals.alertEvaluation());
        if (path == ProbePath.SIDECAR) {
            envoyTimeouts = new EnvoyTimeoutRefresher(vertx, clock, new EnvoyAdminClient(vertx, config.envoy().adminUrl()),
                    supervisor, config.envoy().refresh(), health);
            envoyTimeouts.start();
        }
        if (kubernetes.enabled(config.kubernetes())) {
            readNodeTopology();
            kubernetesTimeouts = new KubernetesTimeoutRefresher(vertx,
                    new IstioTimeoutReader(kubernetes.client(), kubernetes.ownPod()), supervisor, config.envoy().refresh(),
                    health);
            kubernetesTimeouts.start();
            if (config.discovery().serviceEntriesEnabled()) {
                startDiscovery();
            }
        }
    }

    /** The node's zone and region, read once: a node does not move. Without them the fleet is one zone, said once. */
    private void readNodeTopology() {
        vertx.executeBlocking(() -> NodeTopology.read(kubernetes.client(), node), false).onComplete(ar -> {
            if (ar.succeeded()) {
                nodeInfo.set(ar.result().zone(), ar.result().region());
                LOG.atInfo().addKeyValue("zone", ar.result().zone()).addKeyValue("region", ar.result().region())
                        .log("node {}: zone '{}', region '{}'", node, ar.result().zone(), ar.result().region());
            } else {
                LOG.atWarn().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                        .log("cannot read node {} ({}): its zone stays unknown", node, ar.cause().getMessage());
            }
        });
    }

    /** {@code /readyz}: targets started, and on the sidecar path the sidecar ready. */
    private boolean ready() {
        return started && (sidecar == null || sidecar.ready());
    }

    /** {@code mode: auto}: the sidecar path when a sidecar answers at all, ready or not. */
    private Future<ProbePath> detectPath(SidecarCheck check) {
        return switch (config.mode()) {
            case DIRECT -> Future.succeededFuture(ProbePath.DIRECT);
            case SIDECAR -> Future.succeededFuture(ProbePath.SIDECAR);
            case AUTO -> check.check().map(state -> {
                ProbePath path = state == SidecarCheck.State.ABSENT ? ProbePath.DIRECT : ProbePath.SIDECAR;
                LOG.atInfo().addKeyValue("path", path.label()).log("mode auto: {}", path == ProbePath.SIDECAR
                        ? "a sidecar answers, probing through it" : "no sidecar answers, probing directly");
                return path;
            });
        };
    }

    private Future<Void> apply(ProbeConfig next) {
        List<String> atRestart = RestartOnly.changed(config, next);
        if (!atRestart.isEmpty()) {
            LOG.atWarn().addKeyValue("atRestart", atRestart)
                    .log("changes to {} take effect at the next restart; the others apply now", String.join(", ", atRestart));
        }
        boolean alertingChanged = !next.alerting().equals(config.alerting()) || !next.kubernetes().equals(config.kubernetes());
        config = next;
        prober.forgetTlsContexts();
        Future<Void> notifiers = alertingChanged ? alerts.setNotifiers(notifiers(next)) : Future.succeededFuture();
        return notifiers.compose(v -> applyTargets());
    }

    /**
     * Static and discovered targets together, applied one change after another on one context: config
     * reloads and ServiceEntry updates both come here.
     */
    private Future<Void> applyTargets() {
        Promise<Void> done = Promise.promise();
        loops.forKey("targets").runOnContext(v -> {
            lastApply = lastApply.transform(x -> supervisor.apply(TargetMerge.merge(targets(config), discovered)));
            lastApply.onComplete(done);
        });
        return done.future();
    }

    /** ServiceEntries with the discovery label become targets; retried until the API allows it. */
    private void startDiscovery() {
        ServiceEntryWatcher watcher = new ServiceEntryWatcher(kubernetes.client(), config.discovery().labelSelector());
        vertx.executeBlocking(() -> {
            watcher.start(endpoints -> {
                discovered = endpoints.stream().map(this::discoveredTarget).toList();
                applyTargets();
            });
            return watcher;
        }, false).onComplete(ar -> {
            if (ar.succeeded()) {
                serviceEntries = ar.result();
                health.track(Dependency.SERVICE_ENTRIES, serviceEntries::isWatching);
                LOG.atInfo().addKeyValue("labelSelector", config.discovery().labelSelector())
                        .log("following ServiceEntries with {}", config.discovery().labelSelector());
            } else {
                health.set(Dependency.SERVICE_ENTRIES, false);
                watcher.close();
                if (discoveryRetry < 0) {
                    LOG.atWarn().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                            .log("cannot follow ServiceEntries ({}); static targets only, retrying every {}",
                                    ar.cause().getMessage(), config.envoy().refresh());
                }
                discoveryRetry = vertx.setTimer(config.envoy().refresh().toMillis(), id -> startDiscovery());
            }
        });
    }

    private Target discoveredTarget(ServiceEntries.Endpoint e) {
        return new Target(e.name(), e.host(), e.port(), e.host(), io.egressprobe.config.TlsSettings.DEFAULT,
                java.util.Optional.empty(), config.defaults(), java.util.Map.of());
    }

    private List<Notifier> notifiers(ProbeConfig c) {
        List<Notifier> list = new ArrayList<>();
        list.add(new LogNotifier());
        Context context = loops.forKey("notifiers");
        c.alerting().alertmanagerUrl().ifPresent(url -> list.add(
                new AlertmanagerNotifier(vertx, context, registry, clock, url, c.alerting().alertmanagerResend())));
        c.alerting().webhookUrl().ifPresent(url -> list.add(new WebhookNotifier(vertx, context, registry, url)));
        kubernetes.eventPod(c.kubernetes()).ifPresent(pod -> list.add(new KubernetesEventNotifier(context, registry,
                new PodEventRecorder(kubernetes.client(), pod, node, clock))));
        return list;
    }

    private static List<Target> targets(ProbeConfig config) {
        return config.targets();
    }

    public Future<Void> stop() {
        started = false;
        if (reloader != null) {
            reloader.stop();
        }
        // Reads under way end first: a blocking parse that completes after Vert.x closed would throw on a worker thread.
        Future<Void> sources = Future.join(
                envoyTimeouts == null ? Future.succeededFuture() : envoyTimeouts.stop(),
                kubernetesTimeouts == null ? Future.succeededFuture() : kubernetesTimeouts.stop()).mapEmpty();
        if (sidecar != null) {
            sidecar.stop();
        }
        if (discoveryRetry >= 0) {
            vertx.cancelTimer(discoveryRetry);
        }
        if (serviceEntries != null) {
            serviceEntries.close();
        }
        Future<Void> targets = supervisor == null ? Future.succeededFuture() : supervisor.stopAll();
        return Future.join(sources, targets).<Void>mapEmpty()
                .compose(v -> alerts == null ? Future.succeededFuture() : alerts.stop())
                .compose(v -> api == null ? Future.succeededFuture() : api.close())
                .compose(v -> prober == null ? Future.succeededFuture() : prober.close())
                .compose(v -> loops == null ? Future.succeededFuture() : loops.undeploy(vertx))
                .onComplete(v -> {
                    if (kubernetes != null) {
                        kubernetes.close();
                    }
                });
    }
}
