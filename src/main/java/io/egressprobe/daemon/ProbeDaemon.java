package io.egressprobe.daemon;

import io.egressprobe.config.ProbeConfig;
import io.egressprobe.config.ReloadOutcome;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.SidecarCheck;
import io.egressprobe.http.ApiServer;
import io.egressprobe.kube.PodEventRecorder;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.BuildInfo;
import io.egressprobe.metrics.ConfigMetrics;
import io.egressprobe.metrics.DependencyHealth;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.metrics.MetricNames;
import io.egressprobe.metrics.NodeInfo;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.AlertStateFile;
import io.egressprobe.probe.EventLoops;
import io.egressprobe.probe.TlsEngine;
import io.egressprobe.probe.TlsProber;
import io.egressprobe.probe.Transport;
import io.egressprobe.target.TargetMerge;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
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
    private final ProbePath path;
    private final KubernetesAccess kubernetes;
    /** Replaced by reloads on the reloader's context, read on others. */
    private volatile ProbeConfig config;
    /** What {@link #start} built; null until the event loops are up. */
    private volatile DaemonParts parts;
    /** What follows the world once the targets are probed; null until then. */
    private volatile Following following;
    private volatile List<Target> discovered = List.of();
    private Future<Void> lastApply = Future.succeededFuture();
    private volatile boolean started;

    public ProbeDaemon(Vertx vertx, PrometheusMeterRegistry registry, Clock clock, Path configFile,
                       ProbeConfig initial, Intervals intervals, String node, ProbePath path) {
        this.vertx = vertx;
        this.registry = registry;
        this.clock = clock;
        this.configFile = configFile;
        this.config = initial;
        this.intervals = intervals;
        this.node = node;
        this.path = path;
        this.kubernetes = new KubernetesAccess(vertx, System.getenv());
    }

    /** Completes with the port the HTTP server listens on, once the targets are probed. */
    public Future<Integer> start(byte[] initialContent) {
        ConfigMetrics configMetrics = new ConfigMetrics(registry, clock);
        configMetrics.succeeded();
        DependencyHealth health = new DependencyHealth(registry);
        NodeInfo nodeInfo = new NodeInfo(registry, node);
        Transport transport = Transport.of(vertx);
        BuildInfo.register(registry, transport.label());
        Transport.whyNotNative(vertx).ifPresent(why -> LOG.atWarn().addKeyValue("transport", transport.label())
                .addKeyValue("reason", why).log("native epoll transport unavailable ({}): {}", why, transport.kernelTruth()));
        return EventLoops.deploy(vertx, MeteredVertx.EVENT_LOOPS)
                .compose(loops -> {
                    parts = build(loops, initialContent, configMetrics, transport);
                    return parts.api().listen(config.listen());
                })
                .compose(port -> parts.sidecar().map(s -> s.awaitReady(intervals.sidecarWait())).orElse(Future.succeededFuture())
                        .compose(v -> applyTargets())
                        .map(v -> {
                            following = follow(health, nodeInfo);
                            started = true;
                            LOG.atInfo().addKeyValue("port", port).addKeyValue("targets", config.targets().size())
                                    .addKeyValue("tlsEngine", parts.prober().engine().label()).addKeyValue("path", path.label())
                                    .addKeyValue("transport", transport.label())
                                    .log("egress-probe listening on {}:{}, probing {} on the {} path (TLS engine {}: {};"
                                                    + " transport {}: {})", config.listen().host(), port,
                                            targets(config.targets().size()), path.label(), parts.prober().engine().label(),
                                            parts.prober().engine().why(), transport.label(), transport.kernelTruth());
                            return port;
                        }));
    }

    /** "1 target", "3 targets". */
    static String targets(int n) {
        return n + (n == 1 ? " target" : " targets");
    }

    private DaemonParts build(EventLoops loops, byte[] initialContent, ConfigMetrics configMetrics, Transport transport) {
        TlsProber prober = new TlsProber(vertx, TlsEngine.best());
        AlertBook book = new AlertBook();
        // Read once, before the notifiers exist: the Alertmanager notifier resends the book's firing alerts from its start.
        Optional<AlertStateFile> stateFile = config.alerting().stateFile().map(AlertStateFile::new);
        AlertStateFile.Saved saved = stateFile.map(AlertStateFile::read).orElse(AlertStateFile.Saved.EMPTY);
        book.restore(saved.firing());
        TargetSupervisor supervisor = new TargetSupervisor(vertx, loops, prober, registry, clock, path,
                kubernetes.ownPod().map(PodEventRecorder.PodRef::namespace).orElse(""), config.metrics().phaseHistograms(),
                config.metrics().addressesPerTarget());
        ConfigReloader reloader = new ConfigReloader(vertx, configFile, initialContent, configMetrics, this::apply);
        NotifierFactory notifiers = new NotifierFactory(vertx, loops.forKey("notifiers"), registry, clock, kubernetes,
                node, book);
        AlertLoop alerts = new AlertLoop(vertx, loops.forKey("alerts"), clock, supervisor, book, notifiers.create(config),
                node, () -> config.alerting().runbookUrl(), stateFile, saved);
        Gauge.builder(MetricNames.DAEMON_OVERLOADED, alerts, a -> a.overloaded() ? 1 : 0)
                .description("1 while the daemon cannot keep up (attempts start late, or its collector stops it) and holds"
                        + " every target's alerts").tag(MetricNames.PATH, path.label()).register(registry);
        Optional<SidecarWatch> sidecar = path == ProbePath.SIDECAR ? Optional.of(new SidecarWatch(vertx, clock, registry,
                new SidecarCheck(vertx, config.envoy().readyUrl(), config.envoy().adminUrl()))) : Optional.empty();
        ApiServer api = new ApiServer(vertx, registry, new DaemonView(supervisor, reloader, book, this::ready),
                prober.engine().label(), transport, clock);
        return new DaemonParts(loops, prober, supervisor, reloader, alerts, api, sidecar, notifiers);
    }

    /** Reads the config file and applies it, as {@code POST /-/reload} does; a bad file keeps the last good config. */
    public Future<ReloadOutcome> reload() {
        return parts == null ? Future.failedFuture("not started") : parts.reloader().reload(true);
    }

    /** What runs in the background once the targets are probed: reloads, alerts, and what follows the world. */
    private Following follow(DependencyHealth health, NodeInfo nodeInfo) {
        parts.reloader().watch(intervals.configPoll().toMillis());
        parts.alerts().start(intervals.alertEvaluation());
        return Following.start(vertx, clock, config, path, kubernetes, parts.supervisor(), registry, health, nodeInfo, node,
                () -> config.defaults(), targets -> {
                    discovered = targets;
                    applyTargets();
                });
    }

    /** {@code /readyz}: targets started, and on the sidecar path the sidecar ready. */
    private boolean ready() {
        return started && parts.sidecar().map(SidecarWatch::ready).orElse(true);
    }

    private Future<Void> apply(ProbeConfig next) {
        RestartOnly.warnOfChanges(config, next);
        boolean alertingChanged = !next.alerting().equals(config.alerting()) || !next.kubernetes().equals(config.kubernetes());
        config = next;
        parts.prober().forgetTlsContexts();
        Future<Void> notifiers = alertingChanged ? parts.alerts().setNotifiers(parts.notifiers().create(next))
                : Future.succeededFuture();
        return notifiers.compose(v -> applyTargets());
    }

    /**
     * Static and discovered targets together, applied one change after another on one context: config
     * reloads and ServiceEntry updates both come here.
     */
    private Future<Void> applyTargets() {
        Promise<Void> done = Promise.promise();
        parts.loops().forKey("targets").runOnContext(v -> {
            lastApply = lastApply.transform(x -> parts.supervisor().apply(TargetMerge.merge(config.targets(), discovered)));
            lastApply.onComplete(done);
        });
        return done.future();
    }

    public Future<Void> stop() {
        started = false;
        Future<Void> stopped = parts == null ? Future.succeededFuture()
                : parts.stop(vertx, following == null ? Future.succeededFuture() : following.stop());
        return stopped.onComplete(v -> kubernetes.close());
    }
}
