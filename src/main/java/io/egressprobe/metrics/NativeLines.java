package io.egressprobe.metrics;

import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.DataPointSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.SummarySnapshot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The Prometheus client's histograms and summaries, written from a fresh snapshot with the bytes before each value
 * kept per series: the library writes one series alone the first time its label set is seen (its HELP, TYPE, names,
 * {@code le} and {@code quantile} labels and escaping), and the value it wrote must be the one computed here, or the
 * family is written by the library that time. The library's text, byte for byte, for a fraction of its work.
 */
final class NativeLines {
    private final PrometheusTextFormatWriter library;
    /** Per family, per label set: the header, then the bytes before each of its values. */
    private final Map<String, Map<Labels, byte[][]>> prefixes = new HashMap<>();

    NativeLines(PrometheusTextFormatWriter library) {
        this.library = library;
    }

    void write(OutputStream out, MetricSnapshot snapshot) throws IOException {
        boolean histogram = snapshot instanceof HistogramSnapshot h && !h.isGaugeHistogram();
        if (!histogram && !(snapshot instanceof SummarySnapshot)) {
            library.write(out, MetricSnapshots.of(snapshot));
            return;
        }
        String name = snapshot.getMetadata().getPrometheusName();
        Map<Labels, byte[][]> known = prefixes.getOrDefault(name, Map.of());
        Map<Labels, byte[][]> seen = new HashMap<>();
        List<String[]> values = new ArrayList<>(snapshot.getDataPoints().size());
        List<byte[][]> lines = new ArrayList<>(snapshot.getDataPoints().size());
        for (DataPointSnapshot point : snapshot.getDataPoints()) {
            String[] v = values(point);
            if (v.length == 0) {
                continue; // the library writes nothing for a summary with nothing in it
            }
            byte[][] p = known.get(point.getLabels());
            if (p == null || p.length != v.length + 1) {
                p = derive(snapshot, point, v);
                if (p == null) {
                    library.write(out, MetricSnapshots.of(snapshot));
                    return;
                }
            }
            seen.put(point.getLabels(), p);
            values.add(v);
            lines.add(p);
        }
        prefixes.put(name, seen); // label sets gone since (a removed target) are forgotten
        for (int i = 0; i < lines.size(); i++) {
            byte[][] p = lines.get(i);
            if (i == 0) {
                out.write(p[0]); // HELP and TYPE, before the first series written
            }
            String[] v = values.get(i);
            for (int j = 0; j < v.length; j++) {
                out.write(p[j + 1]);
                for (int k = 0; k < v[j].length(); k++) {
                    out.write(v[j].charAt(k));
                }
                out.write('\n');
            }
        }
    }

    /** The values the library writes for one series, in its order. */
    private static String[] values(DataPointSnapshot point) {
        List<String> v = new ArrayList<>();
        if (point instanceof HistogramSnapshot.HistogramDataPointSnapshot h) {
            ClassicHistogramBuckets buckets = h.getClassicBuckets().isEmpty()
                    ? ClassicHistogramBuckets.of(new double[] {Double.POSITIVE_INFINITY}, new long[] {h.getCount()})
                    : h.getClassicBuckets();
            long cumulative = 0;
            for (int i = 0; i < buckets.size(); i++) {
                cumulative += buckets.getCount(i);
                v.add(Long.toString(cumulative));
            }
            if (h.hasCount()) {
                v.add(Long.toString(h.getCount()));
            }
            if (h.hasSum()) {
                v.add(TextScrape.format(h.getSum()));
            }
        } else if (point instanceof SummarySnapshot.SummaryDataPointSnapshot s) {
            if (s.getQuantiles().size() == 0 && !s.hasCount() && !s.hasSum()) {
                return new String[0];
            }
            s.getQuantiles().forEach(q -> v.add(TextScrape.format(q.getValue())));
            if (s.hasCount()) {
                v.add(Long.toString(s.getCount()));
            }
            if (s.hasSum()) {
                v.add(TextScrape.format(s.getSum()));
            }
        }
        return v.toArray(new String[0]);
    }

    /** The header and the bytes before each value, from the library's text of this series alone; null if they differ. */
    private byte[][] derive(MetricSnapshot family, DataPointSnapshot point, String[] values) throws IOException {
        MetricSnapshot alone = family instanceof HistogramSnapshot
                ? new HistogramSnapshot(family.getMetadata(), List.of((HistogramSnapshot.HistogramDataPointSnapshot) point))
                : new SummarySnapshot(family.getMetadata(), List.of((SummarySnapshot.SummaryDataPointSnapshot) point));
        ByteArrayOutputStream written = new ByteArrayOutputStream();
        library.write(written, MetricSnapshots.of(alone));
        String[] lines = written.toString(StandardCharsets.UTF_8).split("\n", -1);
        int header = lines.length - 1 - values.length;
        if (header < 0 || !lines[lines.length - 1].isEmpty() || point.hasScrapeTimestamp()) {
            return null;
        }
        byte[][] prefixes = new byte[values.length + 1][];
        StringBuilder head = new StringBuilder();
        for (int i = 0; i < header; i++) {
            if (!lines[i].startsWith("#")) {
                return null;
            }
            head.append(lines[i]).append('\n');
        }
        prefixes[0] = head.toString().getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < values.length; i++) {
            String line = lines[header + i];
            if (!line.endsWith(" " + values[i])) {
                return null;
            }
            prefixes[i + 1] = line.substring(0, line.length() - values[i].length()).getBytes(StandardCharsets.UTF_8);
        }
        return prefixes;
    }
}
