package io.egressprobe.metrics;

import io.egressprobe.alert.AlertName;
import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.target.TargetSnapshot;
import io.egressprobe.window.WindowStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.egressprobe.route.Hop;
import io.egressprobe.window.AddressOutliers;
import io.egressprobe.window.AddressWindow;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.function.ToDoubleFunction;

/**
 * The series of one target: built once when the target starts, updated on the hot path without
 * lookups, removed as a whole when the target goes, so that a removed target leaves no series behind.
 */
public final class TargetMeters {
    /**
     * The target's state, which the meters read at scrape time rather than copy: its core's latest snapshot (statistics,
     * levels, failures, attempts), and its facts. Where a fact changes which series exist or their labels (the
     * timeout's source, the route's hops, Envoy's stats), the state calls back ({@link #onChange}): nobody else has
     * to remember to tell the meters.
     */
    public interface Source {
        TargetSnapshot snapshot();

        Optional<Instant> certificateExpiry();

        EffectiveTimeout timeout();

        /** The hops the connections take; {@link #timeout} is the limiting hop's. */
        Route route();

        /** The window's attempts by address. */
        List<AddressWindow.Stats> addresses();

        Optional<ClusterStats> envoyStats();

        /**
         * Envoy's {@code upstream_cx_connect_timeout} for the cluster as a counter that only ever grows: after an Envoy
         * restart (its counter back near zero) it goes on with what Envoy counted since.
         */
        long envoyConnectTimeoutsMirrored();

        /** {@code listener} is called after each change of the timeout, the route or Envoy's stats. */
        void onChange(Runnable listener);
    }

    private final MeterRegistry registry;
    private final TargetFamilies families;
    private final Target target;
    private final ProbePath path;
    private final Source source;
    private final Tags targetTags;
    private final DistributionDataPoint upstream;
    private final Map<Phase, DistributionDataPoint> phases = new EnumMap<>(Phase.class);
    private final List<Slow> slow = new ArrayList<>();
    /**
     * SYNs the kernel sent again, direct path only; registered with the first connect the kernel reported on, so
     * that a transport that cannot ask it (NIO) shows no series rather than a zero that would claim none were lost.
     */
    private Counter synRetransmits;
    private final Tags measured;
    /** Set by {@link #remove}: an attempt that ends after it must not register a series again. */
    private boolean removed;
    private final List<Meter> meters = new ArrayList<>();
    private Gauge timeoutGauge;
    /** One per hop, only while the route has more than one (the plain sidecar path pays no series for it). */
    private final Map<HopKind, Gauge> hopGauges = new EnumMap<>(HopKind.class);
    /** The address whose failures stand out, and the one whose p99 does: one series each at most (the series budget). */
    private Gauge outlierFailures;
    private Gauge outlierP99;
    private static final int ADDRESS_SYNC_EVERY = 16;
    private int recordsSinceAddressSync;
    /** The timeout the gauge's and the info series' labels were registered with. */
    private EffectiveTimeout labelled;
    private Gauge info;
    private Set<String> infoLabelKeys = Set.of();
    private FunctionCounter envoyTimeouts;

    /** A counter of connects at or above {@code fraction} of the timeout at the time. */
    private record Slow(double fraction, Counter counter) {}

    public TargetMeters(MeterRegistry registry, TargetFamilies families, Target target, ProbePath path, Source source,
                        Set<String> infoLabelKeys) {
        this.registry = registry;
        this.families = families;
        this.target = target;
        this.path = path;
        this.source = source;
        this.targetTags = Tags.of(MetricNames.TARGET, target.name());
        measured = targetTags.and(MetricNames.PATH, path.label());
        upstream = families.upstream.labelValues(target.name(), path.label());
        families.phases.ifPresent(histogram -> {
            for (Phase phase : Phase.values()) {
                if (phase != Phase.REQUEST || target.http().isPresent()) { // a histogram that can only be empty costs 15 lines
                    phases.put(phase, histogram.labelValues(target.name(), path.label(), phase.label()));
                }
            }
        });
        for (String fraction : MetricNames.SLOW_FRACTIONS) {
            slow.add(new Slow(Double.parseDouble(fraction), keep(Counter.builder(MetricNames.UPSTREAM_CONNECT_SLOW)
                    .description("Upstream connects (cut ones included) at or above this share of the effective timeout")
                    .tags(measured).tag(MetricNames.FRACTION, fraction).register(registry))));
        }
        families.addWindow(target.name(), path.label(), () -> source.snapshot().stats());
        // Envoy's summary is written only while its stats are there.
        families.setEnvoy(target.name(), path.label(), source::envoyStats);
        keep(attempts("success", s -> s.snapshot().attempts() - s.snapshot().failed()));
        keep(attempts("failure", s -> s.snapshot().failed()));
        for (FailureReason reason : FailureReason.values()) {
            keep(FunctionCounter.builder(MetricNames.FAILURES, source, s -> s.snapshot().failures(reason))
                    .description("Failed attempts by reason")
                    .tags(targetTags).tag(MetricNames.REASON, reason.label()).register(registry));
        }
        keep(FunctionCounter.builder(MetricNames.SYN_RETRANSMIT_SUSPECTED, source, s -> s.snapshot().suspectedLostSyns())
                .description("Completed connects that landed just after a SYN retransmission time while the median was far below it (never a cut)")
                .tags(targetTags).register(registry));
        windowGauges();
        syncTimeout();
        setInfoLabelKeys(infoLabelKeys);
        syncEnvoy();
        source.onChange(this::sync);
    }

    private FunctionCounter attempts(String result, ToDoubleFunction<Source> count) {
        return FunctionCounter.builder(MetricNames.ATTEMPTS, source, count).description("Probe attempts by result")
                .tags(targetTags).tag(MetricNames.RESULT, result).register(registry);
    }

    private void windowGauges() {
        // The utilization the latency alert judges (the snapshot's, where Envoy's own connect is its basis): the dashboard's
        // utilization and egress_probe_alert_level, which the shipped rules alert on, then say the same thing.
        gauge(MetricNames.TIMEOUT_UTILIZATION, null, Tags.empty(),
                "Window p99 of upstream connect divided by the timeout, as the latency alert judges it (timeout.judgedOn)",
                s -> utilization(s.snapshot().judged()));
        gauge(MetricNames.TIMEOUT_EXCEEDED, null, Tags.empty(), "Share of window samples at or above the timeout",
                s -> exceeded(s.snapshot().stats()));
        gauge(MetricNames.RECOMMENDED_TIMEOUT, "seconds", Tags.empty(), "Connect timeout the window's distribution calls for",
                s -> s.snapshot().stats().recommendation().map(r -> seconds(r.timeout())).orElse(Double.NaN));
        for (AlertName alert : AlertName.values()) {
            gauge(MetricNames.ALERT_LEVEL, null, Tags.of(MetricNames.ALERTNAME, alert.alertName()),
                    "Level of the target's alert as this probe judges it: 0 ok, 1 warning, 2 critical",
                    s -> s.snapshot().levels().of(alert));
        }
        gauge(MetricNames.CERT_EXPIRY, "seconds", Tags.empty(), "Earliest notAfter in the peer's certificate chain",
                s -> s.certificateExpiry().map(t -> t.toEpochMilli() / 1000.0).orElse(Double.NaN));
    }

    private static double utilization(WindowStats s) {
        return s.count() == 0 ? Double.NaN : s.utilization();
    }

    private static double exceeded(WindowStats s) {
        return s.count() == 0 ? Double.NaN : s.exceededRatio();
    }

    private void gauge(String name, String unit, Tags extra, String help, ToDoubleFunction<Source> value) {
        meters.add(Gauge.builder(name, source, value).description(help).baseUnit(unit)
                .tags(targetTags.and(extra)).register(registry));
    }

    /** The source's facts changed: the series whose existence or labels follow them are brought in line. */
    private synchronized void sync() {
        if (removed) {
            return;
        }
        syncTimeout();
        syncEnvoy();
    }

    /** Re-registers the timeout's gauge when its source (a label) changed, the info series when its cluster did. */
    private synchronized void syncTimeout() {
        EffectiveTimeout now = source.timeout();
        boolean clusterChanged = labelled != null && !labelled.cluster().equals(now.cluster());
        if (labelled == null || labelled.source() != now.source()) {
            if (timeoutGauge != null) {
                registry.remove(timeoutGauge);
            }
            timeoutGauge = Gauge.builder(MetricNames.ENVOY_CONNECT_TIMEOUT, source, s -> s.timeout().seconds())
                    .description("Effective Envoy connect timeout for the target, by where it was learned")
                    .baseUnit("seconds")
                    .tags(targetTags).tag(MetricNames.SOURCE, now.source().label()).register(registry);
        }
        labelled = now;
        if (clusterChanged) {
            setInfoLabelKeys(infoLabelKeys);
        }
        hopsChanged(source.route());
    }

    private void hopsChanged(Route route) {
        Set<HopKind> kinds = route.isChain() ? route.hops().stream().map(Hop::kind).collect(Collectors.toSet()) : Set.of();
        hopGauges.keySet().removeIf(kind -> {
            boolean gone = !kinds.contains(kind);
            if (gone) {
                registry.remove(hopGauges.get(kind));
            }
            return gone;
        });
        for (HopKind kind : kinds) {
            if (removed || hopGauges.containsKey(kind)) {
                continue;
            }
            hopGauges.put(kind, Gauge.builder(MetricNames.HOP_CONNECT_TIMEOUT, source, s -> s.route().hops().stream()
                            .filter(h -> h.kind() == kind && h.timeoutKnown()).findFirst().map(h -> h.timeout().seconds()).orElse(Double.NaN))
                    .description("Connect timeout of each proxy on a route of more than one (sidecar, egress gateway)")
                    .baseUnit("seconds").tags(targetTags).tag(MetricNames.HOP, kind.label()).register(registry));
        }
    }

    /**
     * Prometheus wants one label set per metric name, so every target's info series carries the union
     * of the label keys the config uses, empty where a target does not set one.
     */
    public synchronized void setInfoLabelKeys(Set<String> keys) {
        infoLabelKeys = Set.copyOf(keys);
        if (info != null) {
            registry.remove(info);
        }
        List<Tag> tags = new ArrayList<>(List.of(
                Tag.of(MetricNames.TARGET, target.name()), Tag.of("host", target.host()),
                Tag.of("port", Integer.toString(target.port())), Tag.of("sni", target.sni()),
                Tag.of("cluster", labelled.cluster().orElse("")), Tag.of(MetricNames.PATH, path.label())));
        for (String key : keys) {
            tags.add(Tag.of(key, target.labels().getOrDefault(key, "")));
        }
        info = Gauge.builder(MetricNames.TARGET_INFO, () -> 1).description("Static facts about a probe target")
                .tags(tags).register(registry);
    }

    /**
     * Mirrors Envoy's count of connect timeouts for the target's cluster: a series only while Envoy's stats carry it (a
     * stat the sidecar does not record is "not enabled", never zero); its value is the state's mirrored count.
     */
    private synchronized void syncEnvoy() {
        boolean counted = source.envoyStats().filter(s -> s.connectTimeouts().isPresent()).isPresent();
        if (counted && envoyTimeouts == null) {
            envoyTimeouts = FunctionCounter.builder(MetricNames.ENVOY_CONNECT_TIMEOUTS, source,
                            Source::envoyConnectTimeoutsMirrored)
                    .description("Envoy's upstream_cx_connect_timeout for the target's cluster, mirrored")
                    .tags(targetTags).register(registry);
        } else if (!counted && envoyTimeouts != null) {
            registry.remove(envoyTimeouts);
            envoyTimeouts = null;
        }
    }

    /**
     * The address that stands out ({@link AddressOutliers}: its failures, or its p99), where one does: a series for it
     * alone, so that a name with many addresses stays within the series budget (a view per address of eight and
     * {@code other} was 18 series more); every address's view is in the API. The views exist only where the dialed
     * address is the upstream's (the source gives none otherwise). Synced on a failure, and every few attempts.
     */
    private synchronized void addressesChanged(boolean failed) {
        // A failure may make an address stand out: looked at at once, unless one already does (a dead address fails on
        // every turn, and each look reads the whole window).
        if ((!failed || outlierFailures != null) && ++recordsSinceAddressSync < ADDRESS_SYNC_EVERY) {
            return;
        }
        recordsSinceAddressSync = 0;
        if (removed) {
            return;
        }
        List<AddressWindow.Stats> now = source.addresses();
        outlierFailures = outlier(outlierFailures, AddressOutliers.byFailures(now), MetricNames.ADDRESS_FAILURE_RATIO,
                "Share of the window's attempts that failed, of the one address of the target whose failures stand out",
                null, a -> a.failureRatio());
        outlierP99 = outlier(outlierP99, AddressOutliers.byP99(now), MetricNames.ADDRESS_UPSTREAM_P99,
                "Window p99 of the upstream connect, of the one address of the target whose p99 stands out", "seconds",
                a -> a.p99().map(TargetMeters::seconds).orElse(Double.NaN));
    }

    /** The gauge for {@code odd}'s address: kept while it is the same address, replaced when another stands out. */
    private Gauge outlier(Gauge current, Optional<AddressWindow.Stats> odd, String name, String help, String unit,
                          ToDoubleFunction<AddressWindow.Stats> value) {
        String address = odd.map(AddressWindow.Stats::address).orElse(null);
        if (current != null && current.getId().getTag(MetricNames.ADDRESS).equals(address)) {
            return current;
        }
        if (current != null) {
            registry.remove(current);
        }
        return address == null ? null : Gauge.builder(name, source, s -> address(s, address).map(value::applyAsDouble).orElse(Double.NaN))
                .description(help).baseUnit(unit).tags(targetTags.and(MetricNames.ADDRESS, address)).register(registry);
    }

    private static Optional<AddressWindow.Stats> address(Source s, String address) {
        return s.addresses().stream().filter(a -> a.address().equals(address)).findFirst();
    }

    /**
     * An attempt's own observations: the histograms and the slow counters take each sample as it comes (they are not in
     * the snapshot); everything else the meters show they read from the source.
     */
    public void record(ProbeResult result, Optional<UpstreamSample> sample) {
        if (!phases.isEmpty()) {
            result.timings().asMap().forEach((phase, d) -> {
                DistributionDataPoint histogram = phases.get(phase);
                if (histogram != null && phase != Phase.TOTAL) {
                    histogram.observe(seconds(d));
                }
            });
            phases.get(Phase.TOTAL).observe(seconds(result.elapsed()));
        }
        sample.ifPresent(s -> {
            upstream.observe(seconds(s.value()));
            double share = (double) s.value().toNanos() / source.timeout().value().toNanos();
            for (Slow level : slow) {
                if (share >= level.fraction()) {
                    level.counter().increment();
                }
            }
        });
        result.upstreamTcp(path).ifPresent(tcp -> countRetransmittedSyns(tcp.retransmittedSyns()));
        if (result.address().isPresent()) {
            addressesChanged(result instanceof ProbeResult.Failure);
        }
    }

    private synchronized void countRetransmittedSyns(int syns) {
        if (removed) {
            return;
        }
        if (synRetransmits == null) {
            synRetransmits = keep(Counter.builder(MetricNames.SYN_RETRANSMITS)
                    .description("SYNs the kernel sent again before the connect completed (TCP_INFO; direct path)")
                    .tags(measured).register(registry));
        }
        synRetransmits.increment(syns);
    }

    public synchronized void remove() {
        removed = true;
        families.upstream.remove(target.name(), path.label());
        families.phases.ifPresent(h -> phases.keySet().forEach(p -> h.remove(target.name(), path.label(), p.label())));
        families.remove(target.name());
        meters.forEach(registry::remove);
        if (envoyTimeouts != null) {
            registry.remove(envoyTimeouts);
        }
        registry.remove(timeoutGauge);
        registry.remove(info);
        hopGauges.values().forEach(registry::remove);
        if (outlierFailures != null) {
            registry.remove(outlierFailures);
        }
        if (outlierP99 != null) {
            registry.remove(outlierP99);
        }
    }

    private <M extends Meter> M keep(M meter) {
        meters.add(meter);
        return meter;
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
