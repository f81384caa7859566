package io.egressprobe.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.TimeGauge;
import io.micrometer.core.instrument.config.NamingConvention;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.InfoSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.function.DoubleSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The text exposition written from the live meters. Whenever the set of meters changes, one scrape goes the library's
 * way ({@link PrometheusMeterRegistry#scrape(OutputStream)}) and keeps, for each of Micrometer's gauge and counter
 * families, the bytes the library wrote before each value (HELP, TYPE, name and escaped labels) and the meter the value
 * came from; the scrapes after it write those bytes and read each value straight from its meter, as Micrometer would.
 * The families of the Prometheus client (histograms, summaries) are collected and written by the library every time.
 * So the text is the library's own, byte for byte, while allocating per scrape only the native families' snapshots.
 * A family it cannot place (another meter type, a line it cannot match to a meter) keeps every scrape on the library's
 * way: slower, never different.
 */
final class TextScrape {
    private static final Logger LOG = LoggerFactory.getLogger(TextScrape.class);
    private final PrometheusMeterRegistry registry;
    private final List<Supplier<MetricSnapshots>> natives;
    private final PrometheusTextFormatWriter library = ExpositionFormats.init().getPrometheusTextFormatWriter();
    private final AtomicLong version = new AtomicLong();
    /** The lines of the last derivation, null until the first or while the library's way is the only one. */
    private Plan plan;
    /** Why the last derivation found no plan: the family it could not place. */
    private String unplaced = "";
    private boolean lastFromMeters;
    /** The version of the meters that could not be placed, -1 for none. */
    private long failedAt = -1;

    TextScrape(PrometheusMeterRegistry registry, List<Supplier<MetricSnapshots>> natives) {
        this.registry = registry;
        this.natives = natives;
    }

    /** Whether the last scrape was written from the meters (false: the library's way). */
    synchronized boolean fromMeters() {
        return lastFromMeters;
    }

    /** The family the last derivation could not place, empty when it placed all. */
    synchronized String unplaced() {
        return unplaced;
    }

    /** A family whose lines cannot be written from its meters. */
    private static final class Unplaceable extends Exception {
        Unplaceable(String family, String why) {
            super(family + ": " + why, null, false, false);
        }
    }

    void changed() {
        version.incrementAndGet();
    }

    synchronized void write(OutputStream out) throws IOException {
        long now = version.get();
        if (plan != null && plan.version == now) {
            plan.write(out);
            lastFromMeters = true;
            return;
        }
        lastFromMeters = false;
        if (plan == null && failedAt == now) {
            registry.scrape(out); // the same meters could not be placed last time: not tried again until they change
            return;
        }
        // Meters are added and removed on other threads: a change during this derivation bumps the version again,
        // and the next scrape derives once more.
        MetricSnapshots all = registry.getPrometheusRegistry().scrape();
        library.write(out, all);
        failedAt = -1;
        try {
            plan = Plan.of(all, registry, natives, library, now);
            unplaced = "";
        } catch (Unplaceable e) {
            plan = null;
            failedAt = now;
            if (!e.getMessage().equals(unplaced)) {
                // Once per cause: e.g. metrics.runtime: full, whose JVM timers only Micrometer's collector can write.
                LOG.info("/metrics is written by the Prometheus library on every scrape, the slower way: {}", e.getMessage());
            }
            unplaced = e.getMessage();
        }
    }

    /** One family's place in the exposition. */
    private sealed interface Part permits Cached, Native {}

    /** A Micrometer family: its header, and per series the bytes before the value and where the value comes from. */
    private record Cached(byte[] header, byte[][] prefixes, List<DoubleSupplier> values) implements Part {}

    /** A family of the Prometheus client, written by the library from a fresh snapshot. */
    private record Native(String name) implements Part {}

    private record Plan(long version, List<Part> parts, List<Supplier<MetricSnapshots>> natives, NativeLines lines) {
        static Plan of(MetricSnapshots all, PrometheusMeterRegistry registry,
                       List<Supplier<MetricSnapshots>> natives, PrometheusTextFormatWriter library, long version)
                throws IOException, Unplaceable {
            Set<String> nativeNames = new HashSet<>();
            for (Supplier<MetricSnapshots> family : natives) {
                family.get().forEach(s -> nativeNames.add(s.getMetadata().getPrometheusName()));
            }
            Map<String, Map<Labels, Meter>> meters = meters(registry);
            List<Part> parts = new ArrayList<>();
            Set<String> seen = new HashSet<>();
            for (MetricSnapshot snapshot : all) {
                String name = snapshot.getMetadata().getPrometheusName();
                if (!seen.add(name)) {
                    throw new Unplaceable(name, "twice (the library merges them)");
                }
                if (nativeNames.contains(name)) {
                    parts.add(new Native(name));
                    continue;
                }
                parts.add(cached(snapshot, meters, library));
            }
            return new Plan(version, List.copyOf(parts), natives, new NativeLines(library));
        }

        /** Micrometer's meters by their Prometheus name and label set, as its collector labels them. */
        private static Map<String, Map<Labels, Meter>> meters(PrometheusMeterRegistry registry) {
            NamingConvention convention = registry.config().namingConvention();
            Map<String, Map<Labels, Meter>> byName = new HashMap<>();
            for (Meter meter : registry.getMeters()) {
                List<String> keys = new ArrayList<>();
                List<String> values = new ArrayList<>();
                for (Tag tag : meter.getId().getConventionTags(convention)) {
                    keys.add(tag.getKey());
                    values.add(tag.getValue());
                }
                byName.computeIfAbsent(meter.getId().getConventionName(convention), n -> new HashMap<>())
                        .put(Labels.of(keys, values), meter);
            }
            return byName;
        }

        private static Cached cached(MetricSnapshot snapshot, Map<String, Map<Labels, Meter>> meters,
                                     PrometheusTextFormatWriter library) throws IOException, Unplaceable {
            String name = snapshot.getMetadata().getPrometheusName();
            if (snapshot instanceof InfoSnapshot) {
                // An info family's lines end in a constant 1 whatever its gauge reads: written as they were.
                ByteArrayOutputStream written = new ByteArrayOutputStream();
                library.write(written, MetricSnapshots.of(snapshot));
                return new Cached(written.toByteArray(), new byte[0][], List.of());
            }
            if (!(snapshot instanceof GaugeSnapshot) && !(snapshot instanceof CounterSnapshot)) {
                throw new Unplaceable(name, snapshot.getClass().getSimpleName() + " of Micrometer's");
            }
            Map<Labels, Meter> family = null;
            for (String candidate : List.of(name, name + "_total", name + "_info", snapshot.getMetadata().getName())) {
                family = family != null ? family : meters.get(candidate);
            }
            if (family == null && !snapshot.getDataPoints().isEmpty()) {
                throw new Unplaceable(name, "no meters of that name");
            }
            ByteArrayOutputStream written = new ByteArrayOutputStream();
            library.write(written, MetricSnapshots.of(snapshot));
            String[] lines = written.toString(StandardCharsets.UTF_8).split("\n", -1);
            List<? extends DataPointSnapshot> points = snapshot.getDataPoints();
            int header = lines.length - 1 - points.size(); // the text ends with a newline
            if (header < 0 || !lines[lines.length - 1].isEmpty()) {
                throw new Unplaceable(name, "not a line per series");
            }
            StringBuilder head = new StringBuilder();
            for (int i = 0; i < header; i++) {
                if (!lines[i].startsWith("#")) {
                    throw new Unplaceable(name, "not a line per series");
                }
                head.append(lines[i]).append('\n');
            }
            byte[][] prefixes = new byte[points.size()][];
            List<DoubleSupplier> values = new ArrayList<>(points.size());
            for (int i = 0; i < points.size(); i++) {
                DataPointSnapshot point = points.get(i);
                String line = lines[header + i];
                Meter meter = family.get(point.getLabels());
                Optional<DoubleSupplier> value = meter == null ? Optional.empty() : value(meter);
                double written0 = point instanceof GaugeSnapshot.GaugeDataPointSnapshot g ? g.getValue()
                        : ((CounterSnapshot.CounterDataPointSnapshot) point).getValue();
                int space = line.lastIndexOf(' ');
                if (value.isEmpty()) {
                    throw new Unplaceable(name, "no gauge or counter for " + point.getLabels());
                }
                if (point.hasScrapeTimestamp() || space < 0 || !line.substring(space + 1).equals(TextScrape.format(written0))) {
                    throw new Unplaceable(name, "a line not ending in its value: " + line);
                }
                prefixes[i] = line.substring(0, space + 1).getBytes(StandardCharsets.UTF_8);
                values.add(value.get());
            }
            return new Cached(head.toString().getBytes(StandardCharsets.UTF_8), prefixes, List.copyOf(values));
        }

        /** What Micrometer's collector reads from each meter type it writes as a gauge or counter. */
        private static Optional<DoubleSupplier> value(Meter meter) {
            if (meter instanceof TimeGauge) {
                return Optional.empty(); // scaled to the base unit by the collector
            }
            if (meter instanceof Gauge gauge) {
                return Optional.of(gauge::value);
            }
            if (meter instanceof Counter counter) {
                return Optional.of(counter::count);
            }
            if (meter instanceof FunctionCounter counter) {
                return Optional.of(counter::count);
            }
            return Optional.empty();
        }

        void write(OutputStream out) throws IOException {
            Map<String, MetricSnapshot> fresh = new HashMap<>();
            for (Supplier<MetricSnapshots> family : natives) {
                family.get().forEach(s -> fresh.put(s.getMetadata().getPrometheusName(), s));
            }
            for (Part part : parts) {
                if (part instanceof Cached c) {
                    out.write(c.header());
                    for (int i = 0; i < c.prefixes().length; i++) {
                        out.write(c.prefixes()[i]);
                        writeAscii(out, format(c.values().get(i).getAsDouble()));
                        out.write('\n');
                    }
                } else if (part instanceof Native n && fresh.containsKey(n.name())) {
                    lines.write(out, fresh.get(n.name()));
                }
            }
        }
    }

    /** As the library's text writer formats a value. */
    static String format(double d) {
        if (d == Double.POSITIVE_INFINITY) {
            return "+Inf";
        }
        if (d == Double.NEGATIVE_INFINITY) {
            return "-Inf";
        }
        return Double.toString(d);
    }

    private static void writeAscii(OutputStream out, String s) throws IOException {
        for (int i = 0; i < s.length(); i++) {
            out.write(s.charAt(i));
        }
    }
}
