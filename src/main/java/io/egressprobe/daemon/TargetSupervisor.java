package io.egressprobe.daemon;

import io.egressprobe.config.HttpCheck;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.envoy.SidecarConfig;
import io.egressprobe.envoy.SidecarQuestion;
import io.egressprobe.http.TargetFacts;
import io.egressprobe.kube.AmbientWaypoints;
import io.egressprobe.kube.IstioResources;
import io.egressprobe.kube.UseWaypoint;
import io.egressprobe.support.PlainNumber;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.metrics.MetricNames;
import io.egressprobe.metrics.ScheduleLag;
import io.egressprobe.metrics.TargetFamilies;
import io.egressprobe.metrics.TargetMeters;
import io.egressprobe.probe.EventLoops;
import io.egressprobe.probe.OwnLag;
import io.egressprobe.probe.OwnPauses;
import io.egressprobe.probe.ProbeContext;
import io.egressprobe.probe.Prober;
import io.egressprobe.probe.TargetLoop;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ConfiguredTimeout;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Routes;
import io.egressprobe.route.View;
import io.egressprobe.target.TargetCore;
import io.egressprobe.target.TargetDiff;
import io.egressprobe.route.HopKind;
import io.egressprobe.window.HeapNeed;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;

/**
 * Starts, changes and stops the probing of targets as the config changes, each target independently:
 * what happens to one never stops another.
 */
public final class TargetSupervisor {
    private static final Logger LOG = LoggerFactory.getLogger(TargetSupervisor.class);

    private final Vertx vertx;
    private final EventLoops loops;
    private final Prober prober;
    private final PrometheusMeterRegistry registry;
    private final OwnPauses ownPauses;
    private final OwnLag ownLag = new OwnLag();
    static final int OVERLOAD_SECONDS = 10;
    static final long OVERLOAD_LAG_MILLIS = 100;
    private final Counter pausedSamples;
    private final Clock clock;
    private final ProbePath path;
    private final Random random = new Random();
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private Set<String> infoLabelKeys = Set.of();
    private volatile Optional<SidecarConfig> sidecar = Optional.empty();
    private volatile String envoyAdminStatus;
    private volatile Optional<IstioResources> istio = Optional.empty();
    /** Each discovered host's ServiceEntry namespace: the service's namespace in Istio's DestinationRule lookup. */
    private volatile Map<String, String> serviceNamespaces = Map.of();
    /** Each discovered host's ambient waypoint, where its ServiceEntry names one: a hop of the ambient route. */
    private volatile Map<String, UseWaypoint.Waypoint> waypoints = Map.of();
    private final String ownNamespace;
    private final LongConsumer scheduleLag;
    private final TargetFamilies families;
    private final int addressesPerTarget;

    private record Running(TargetState state, TargetLoop loop, TargetMeters meters) {}

    /** @param addressesPerTarget how many of a target's addresses have a view of their own */
    public TargetSupervisor(Vertx vertx, EventLoops loops, Prober prober, PrometheusMeterRegistry registry, Clock clock,
                            ProbePath path, String ownNamespace, boolean phaseHistograms, int addressesPerTarget) {
        this.addressesPerTarget = addressesPerTarget;
        this.families = new TargetFamilies(registry, phaseHistograms);
        this.ownNamespace = ownNamespace;
        this.vertx = vertx;
        this.loops = loops;
        this.prober = prober;
        this.registry = registry;
        this.clock = clock;
        this.path = path;
        LongConsumer lagMetric = ScheduleLag.register(registry, path);
        this.scheduleLag = lag -> {
            lagMetric.accept(lag);
            ownLag.record(System.nanoTime(), lag);
        };
        this.ownPauses = OwnPauses.ofThisJvm();
        this.pausedSamples = Counter.builder(MetricNames.OWN_PAUSE_SAMPLES)
                .description("Completed connects timed across a pause of this JVM's collector: left out of the window and "
                        + "the histograms").tag(MetricNames.PATH, path.label()).register(registry);
    }

    /** Brings the running set in line with {@code targets}. Not thread-safe: call from one place. */
    public Future<Void> apply(List<Target> targets) {
        TargetDiff diff = TargetDiff.between(current(), targets);
        List<Future<Void>> stopping = new ArrayList<>();
        for (Target t : diff.removed()) {
            stopping.add(stop(t.name()));
        }
        // A replaced target keeps its core (and its place among the running, so the alert loop never sees it gone):
        // only its loop and meters stop; the core empties its window and forgets what it judged on it in one step.
        List<TargetCore> replacedCores = new ArrayList<>();
        for (Target t : diff.replaced()) {
            Running r = running.get(t.name());
            replacedCores.add(r.state().core());
            stopping.add(r.loop().stop().onComplete(v -> r.meters().remove()));
        }
        Set<String> keys = new TreeSet<>();
        targets.forEach(t -> keys.addAll(t.labels().keySet()));
        if (!keys.equals(infoLabelKeys)) {
            infoLabelKeys = Set.copyOf(keys);
            running.values().forEach(r -> r.meters().setInfoLabelKeys(infoLabelKeys));
        }
        for (Target t : diff.updated()) {
            Running r = running.get(t.name());
            r.state().update(t);
            r.loop().update(t);
            resolveRoute(r);
        }
        return Future.all(stopping).map(v -> {
            diff.added().forEach(t -> start(t, new TargetCore(clock, t, path, addressesPerTarget)));
            for (int i = 0; i < diff.replaced().size(); i++) {
                Target t = diff.replaced().get(i);
                TargetCore core = replacedCores.get(i);
                core.settle(t);
                start(t, core);
            }
            if (!diff.isEmpty()) {
                LOG.atInfo().addKeyValue("added", names(diff.added())).addKeyValue("removed", names(diff.removed()))
                        .addKeyValue("replaced", names(diff.replaced())).addKeyValue("updated", names(diff.updated()))
                        .log("targets changed: probing {}", ProbeDaemon.targets(running.size()));
                sayWhetherTheHeapHoldsThem(targets);
            }
            return null;
        });
    }

    /**
     * The heap the targets' state holds beside the daemon's own, against the heap this JVM has: logged at every change,
     * a warning where it leaves the collector too little room, so that an overload is named before it pages for targets.
     */
    private static void sayWhetherTheHeapHoldsThem(List<Target> targets) {
        long need = HeapNeed.withDaemon(targets.stream()
                .mapToLong(t -> HeapNeed.perTarget(t.settings().window(), t.settings().interval())).sum());
        long heap = Runtime.getRuntime().maxMemory();
        var line = HeapNeed.fits(need, heap) ? LOG.atInfo() : LOG.atWarn();
        line.addKeyValue("liveHeapMiB", need >> 20).addKeyValue("maxHeapMiB", heap >> 20)
                .log(HeapNeed.fits(need, heap) ? "the targets' state holds about {} MiB of the heap's {} MiB"
                        : "the targets' state holds about {} MiB of the heap's {} MiB: too little room for the collector, whose"
                        + " pauses would land in the samples; give -Xmx" + HeapNeed.heapFor(need) + "m (README \"Sizing\")",
                        need >> 20, heap >> 20);
    }

    /**
     * Why the daemon cannot be trusted to judge its targets now, if it cannot: in the last {@value #OVERLOAD_SECONDS}
     * seconds an attempt started {@value #OVERLOAD_LAG_MILLIS} ms or more late (its event loops short of CPU), or the
     * collector held it for a tenth of the time. The samples of such moments are ours as much as the network's.
     */
    public Optional<String> ownOverload() {
        long now = System.nanoTime();
        long from = now - OVERLOAD_SECONDS * 1_000_000_000L;
        long lagMillis = ownLag.maxLagNanosWithin(from, now) / 1_000_000;
        long pausedMillis = ownPauses.pausedMillisWithin(from, now);
        // The collector first: its pauses make attempts start late too, and its remedy is another.
        if (pausedMillis * 10 >= OVERLOAD_SECONDS * 1000L) {
            return Optional.of("the daemon's garbage collector stopped it for " + pausedMillis + " ms of the last "
                    + OVERLOAD_SECONDS + " s: its heap is too small for its targets (validate --heap)");
        }
        if (lagMillis >= OVERLOAD_LAG_MILLIS) {
            return Optional.of("attempts started up to " + lagMillis + " ms late in the last " + OVERLOAD_SECONDS
                    + " s: the daemon's event loops are short of CPU (egress_probe_schedule_lag_seconds)");
        }
        return Optional.empty();
    }

    /** What routing needs to ask the sidecar for the targets running now. */
    public SidecarQuestion sidecarQuestion() {
        List<Target> targets = running.values().stream().map(r -> r.state().facts().target()).toList();
        Set<String> names = new TreeSet<>();
        targets.forEach(t -> {
            names.add(t.host());
            names.add(t.sni());
        });
        return new SidecarQuestion(targets.stream().map(t -> new Destination(t.host(), t.port())).distinct().toList(), names);
    }

    /** The sidecar's latest config (clusters and listeners), for every target now and every target started later. */
    public void applySidecar(Optional<SidecarConfig> config, String status) {
        sidecar = config;
        envoyAdminStatus = status;
        running.values().forEach(r -> {
            r.state().setEnvoyAdminStatus(status);
            resolveRoute(r);
        });
    }

    /** DestinationRules and the mesh config, for every target now and every target started later. */
    public void applyIstio(IstioResources resources) {
        istio = Optional.of(resources);
        running.values().forEach(this::resolveRoute);
    }

    /**
     * The namespaces of the ServiceEntries that declare the discovered hosts, and the waypoints they bind them to, for
     * every target now and later.
     */
    public void applyServiceEntries(Map<String, String> namespaces, Map<String, UseWaypoint.Waypoint> hostWaypoints) {
        serviceNamespaces = Map.copyOf(namespaces);
        waypoints = Map.copyOf(hostWaypoints);
        running.values().forEach(this::resolveRoute);
    }

    /** The route from every source, in order of precedence (docs/architecture.md §2). */
    private void resolveRoute(Running r) {
        Target t = r.state().facts().target();
        List<RouteSource> sources = new ArrayList<>(3);
        sidecar.ifPresent(sources::add);
        if (path == ProbePath.AMBIENT) {
            // ztunnel hands a waypoint-bound host to its waypoint, which dials it (only on the ambient path: a sidecar
            // sends to the host itself, Istio's endpoint_builder.go says so for sidecars and gateways).
            sources.add(new AmbientWaypoints(waypoints, istio.flatMap(IstioResources::istioVersion)));
        }
        sources.add(new ConfiguredTimeout(t.settings().envoyConnectTimeout()));
        istio.map(i -> i.withServiceNamespaces(serviceNamespaces)).ifPresent(sources::add);
        Destination d = new Destination(t.host(), t.port(), t.sni(), t.http().map(HttpCheck::path).orElse("/"));
        Route route = Routes.resolve(d, Routes.implied(path, ownNamespace), sources);
        List<RouteSource> istioOnly = istio.map(i -> List.<RouteSource>of(i.withServiceNamespaces(serviceNamespaces).withoutOwnLabels()))
                .orElse(List.of());
        r.state().setRoute(route, t.callers().stream().map(ns -> View.of(ns, route, d, istioOnly)).toList());
    }

    /** Envoy's own connect stats, matched to each target by the cluster its own sidecar connects through. */
    public void applyEnvoyStats(Optional<Map<String, ClusterStats>> stats, String status) {
        for (Running r : running.values()) {
            OwnStats own = ownStats(r.state().facts().route(), stats, status);
            r.state().setEnvoyStats(own.stats(), own.why());
        }
    }

    /** A target's share of Envoy's stats, and why there is none where there is none. */
    record OwnStats(Optional<ClusterStats> stats, String why) {}

    /**
     * The stats of the sidecar's own cluster on the route ({@link Route#sidecarCluster}), not of the limiting hop's: a
     * gateway's timeout names no sidecar cluster, and Envoy's second view would be lost exactly where the route has two
     * legs.
     */
    static OwnStats ownStats(Route route, Optional<Map<String, ClusterStats>> stats, String status) {
        Optional<String> cluster = route.sidecarCluster();
        Optional<ClusterStats> own = stats.flatMap(s -> cluster.map(s::get));
        String why = stats.isEmpty() ? status : cluster.isEmpty() ? "no cluster known for this target yet"
                : own.isEmpty() ? "not enabled: the sidecar records no upstream_cx_ stats for " + cluster.get()
                        + " (proxyStatsMatcher)" : "ok";
        return new OwnStats(own, why);
    }

    public Collection<TargetState> states() {
        return running.values().stream().map(Running::state).sorted(Comparator.comparing(s -> s.facts().target().name())).toList();
    }

    public Future<Void> stopAll() {
        return Future.all(running.keySet().stream().map(this::stop).toList()).mapEmpty();
    }

    private void start(Target target, TargetCore core) {
        TargetState state = new TargetState(clock, target, path, core);
        TargetMeters meters = new TargetMeters(registry, families, target, path, state, infoLabelKeys);
        TargetLoop loop = new TargetLoop(vertx, loops.forKey(target.name()), prober, target,
                (t, result) -> onResult(state, meters, result), random, scheduleLag, () -> shape(state.facts()));
        Running r = new Running(state, loop, meters);
        running.put(target.name(), r);
        if (envoyAdminStatus != null) {
            state.setEnvoyAdminStatus(envoyAdminStatus);
        }
        resolveRoute(r);
        loop.start();
    }

    private Future<Void> stop(String name) {
        Running r = running.remove(name);
        if (r == null) {
            return Future.succeededFuture();
        }
        return r.loop().stop().onComplete(v -> r.meters().remove());
    }

    private void onResult(TargetState state, TargetMeters meters, ProbeResult result) {
        long now = System.nanoTime();
        Route route = state.facts().route();
        Measurement m = route.measure(result, state.facts().path());
        Optional<HopKind> cutBy = m.cutBy().stream().mapToObj(hop -> route.hops().get(hop).kind()).findFirst();
        // A completed connect timed across our own pause, or while our event loops were held up, measured us, not the
        // network: kept out of what is judged. The lag of its own start (and of others' in the same tenth of a second)
        // was before it began.
        long from = now - result.elapsed().toNanos();
        boolean paused = m.upstream().filter(u -> !u.censored()).isPresent() && OwnPauses.outweighs(
                ownPauses.pausedMillisWithin(from, now) + ownLag.maxLagNanosWithin(from + OwnLag.SLOT_NANOS, now) / 1_000_000,
                state.facts().timeout().value());
        state.record(m.result(), m.upstream(), paused, cutBy);
        if (paused) {
            pausedSamples.increment();
        }
        meters.record(m.result(), paused ? Optional.empty() : m.upstream());
        if (LOG.isDebugEnabled()) {
            logAttempt(state.facts().target().name(), m);
        }
    }

    private static void logAttempt(String target, Measurement m) {
        String outcome = m.result() instanceof ProbeResult.Failure f ? f.reason().label() + " in " + f.phase().label() : "success";
        LOG.atDebug().addKeyValue("target", target).addKeyValue("result", outcome)
                .addKeyValue("elapsedSeconds", PlainNumber.of(m.result().elapsed().toNanos() / 1e9))
                .addKeyValue("upstreamConnectSeconds", m.upstream().map(u -> PlainNumber.of(u.value().toNanos() / 1e9)).orElse(null))
                .addKeyValue("censored", m.upstream().map(u -> u.censored()).orElse(null))
                .log("attempt {}: {} after {} ms ({})", target, outcome, m.result().elapsed().toMillis(),
                        m.result().timings().asMap().entrySet().stream().map(e -> e.getKey().label() + " "
                                + String.format(Locale.ROOT, "%.2f ms", e.getValue().toNanos() / 1e6)).collect(Collectors.joining(", ")));
    }

    /**
     * The next attempt as the route asks for it: plain where a proxy originates TLS; the target's {@code ipFamily}, or
     * with {@code auto} the family the sidecar's cluster resolves the host in, else IPv4 where the name has it; waited
     * for until Envoy has answered every try of a retried connect.
     */
    static TargetLoop.Shape shape(TargetFacts facts) {
        AddressFamily family = switch (facts.target().settings().ipFamily()) {
            case V4 -> AddressFamily.V4_ONLY;
            case V6 -> AddressFamily.V6_ONLY;
            case AUTO -> facts.route().dnsFamily().orElse(ProbeContext.DEFAULT_FAMILY);
        };
        return new TargetLoop.Shape(facts.route().originatesTls(), family,
                facts.route().probeDeadline(facts.target().settings().probeTimeout()));
    }

    /** The hosts the running targets probe: the only ones whose gateway VirtualServices are followed. */
    public Set<String> hosts() {
        return current().stream().map(Target::host).collect(java.util.stream.Collectors.toUnmodifiableSet());
    }

    private List<Target> current() {
        return running.values().stream().map(r -> r.state().facts().target()).toList();
    }

    private static List<String> names(List<Target> targets) {
        return targets.stream().map(Target::name).toList();
    }
}
