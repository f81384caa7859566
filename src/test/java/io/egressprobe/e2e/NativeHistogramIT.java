package io.egressprobe.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.PrometheusProcess;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.Sidecar;
import io.egressprobe.testing.TestPki;
import io.prometheus.metrics.expositionformats.generated.com_google_protobuf_4_35_0.Metrics;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The upstream connect's native histogram, next to its classic buckets: a real Prometheus (Debian's 2.42, with
 * {@code --enable-feature=native-histograms}) negotiates protobuf and ingests it, and {@code histogram_quantile} over
 * the native series agrees with the window's exact quantiles within the schema's resolution. Prometheus 2.42 has no
 * {@code histogram_fraction} (2.46 added it): the share below a timeout is computed from the protobuf exposition
 * with the client library's own parser and compared with the window's. A scrape without protobuf gets the text
 * format with the classic buckets, as before.
 */
class NativeHistogramIT {
    static final ObjectMapper JSON = new ObjectMapper();
    /** Schema 5: adjacent bucket bounds differ by 2^(1/32), about 2.2%. */
    static final double RESOLUTION = Math.pow(2, Math.pow(2, -5)) - 1;

    @TempDir
    Path dir;

    @Test
    void shouldServeANativeHistogramThatPrometheusIngestsAndThatAgreesWithTheWindow() throws Exception {
        PrometheusProcess.assumeInstalled();
        TestPki pki = new TestPki(dir);
        AtomicInteger n = new AtomicInteger();
        // A dense spread of upstream connects, 50 to 449 ms, the same every 400 attempts.
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             Sidecar sidecar = Sidecar.start(server.port(), TestPki.HOST, () -> 50 + (n.getAndIncrement() * 37L) % 400)) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    defaults: { interval: 100ms, probeTimeout: 3s, window: 10m }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                    """.formatted(sidecar.port()) + sidecar.config());
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST);
                 PrometheusProcess prometheus = PrometheusProcess.startWithFeature(dir, "native-histograms", """
                         - job_name: egress-probe
                           static_configs: [ { targets: [ "127.0.0.1:%d" ] } ]
                         """.formatted(daemon.port()))) {
                await("samples in the window").atMost(Duration.ofSeconds(120)).ignoreExceptions()
                        .until(() -> target(daemon).at("/window/count").asInt() >= 60);
                String nativeSeries = "egress_probe_upstream_connect_seconds{target=\"identity\"}";
                await("Prometheus has the native series").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions().until(() -> !prometheus.query("histogram_count(" + nativeSeries + ")").isEmpty());

                for (String[] q : new String[][] {{"0.5", "p50"}, {"0.9", "p90"}, {"0.99", "p99"}}) {
                    double exact = target(daemon).at("/window/" + q[1]).asDouble();
                    double fromPrometheus = prometheus.query("histogram_quantile(" + q[0] + ", " + nativeSeries + ")")
                            .get(0).at("/value/1").asDouble();
                    // One bucket's width, and what a second of new samples moves a quantile of this spread by.
                    assertThat(fromPrometheus).as("q%s: Prometheus %s, the window %s", q[0], fromPrometheus, exact)
                            .isCloseTo(exact, org.assertj.core.data.Offset.offset(exact * RESOLUTION + 0.015));
                }
                assertThat(prometheus.query("count({__name__=\"egress_probe_upstream_connect_seconds_bucket\"})"))
                        .as("ingested as native: no classic bucket series").isEmpty();

                // histogram_fraction, computed from the exposition by the client library's parser.
                double threshold = 0.25;
                Metrics.Histogram h = nativeHistogram(daemon.port());
                JsonNode t = JSON.readTree(get(daemon.port(), "/api/v1/targets?samples=true", "application/json")).at("/targets/0");
                List<Double> all = new ArrayList<>();
                t.get("samples").forEach(s -> all.add(s.get(1).asDouble()));
                // The window is read after the histogram: its samples are oldest first, and the first as many as the
                // histogram counts are the ones it holds (each attempt goes to the window, then to the meters), so the
                // two are compared over the same attempts however far apart a loaded machine makes the two reads.
                List<Double> samples = all.subList(0, (int) Math.min(all.size(), h.getSampleCount()));
                double windowBelow = samples.stream().filter(v -> v <= threshold).count() / (double) samples.size();
                double nativeBelow = below(h, threshold) / (double) h.getSampleCount();
                assertThat(h.getSchema()).isEqualTo(5);
                // The resolution: the native count stops at the last bucket bound at or below the threshold, so the
                // samples between that bound and the threshold are the most it can differ by (and a sample or two that
                // arrived between the two reads).
                double bound = Math.pow(1 + RESOLUTION, Math.floor(Math.log(threshold) / Math.log(1 + RESOLUTION)));
                double inBucket = samples.stream().filter(v -> v > bound && v <= threshold).count() / (double) samples.size();
                assertThat(nativeBelow).as("share at or below %s s: native %s, window %s (%s of the window in (%s, %s])",
                                threshold, nativeBelow, windowBelow, inBucket, bound, threshold)
                        .isCloseTo(windowBelow, org.assertj.core.data.Offset.offset(inBucket + 2.0 / samples.size()));

                String text = get(daemon.port(), "/metrics", "text/plain");
                assertThat(text).as("the text format keeps the classic buckets")
                        .contains("egress_probe_upstream_connect_seconds_bucket{path=\"sidecar\",target=\"identity\",le=\"0.5\"}");
            }
        }
    }

    /**
     * The shipped scrape job and rule file in a Prometheus that ingests native histograms: Debian's 2.42 has no setting
     * to keep the classic buckets too ({@code scrape_classic_histograms} came in 2.45), so there are no {@code _bucket}
     * series, and the recorded quantiles, the utilisation and the alerts on them must come from the native series.
     */
    @Test
    void shouldRecordTheQuantilesFromTheNativeSeriesWhereThePrometheusKeepsNoClassicBuckets() throws Exception {
        PrometheusProcess.assumeInstalled();
        TestPki pki = new TestPki(dir);
        try (TlsTargetServer server = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
             Sidecar sidecar = Sidecar.start(server.port(), TestPki.HOST, () -> 20)) {
            Path config = dir.resolve("config.yaml");
            Files.writeString(config, """
                    listen: 127.0.0.1:0
                    defaults: { interval: 100ms, probeTimeout: 3s }
                    targets:
                      - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem }, envoyConnectTimeout: 1s }
                    """.formatted(sidecar.port()) + sidecar.config());
            try (RunningDaemon daemon = RunningDaemon.start(config, RunningDaemon.FAST, "node-0");
                 PrometheusProcess prometheus = PrometheusProcess.startWithFeature(dir, "native-histograms",
                         PlainPrometheusScrapeIT.shippedScrapeJob(List.of(PlainPrometheusScrapeIT.pod(
                                 "egress-probe-abcde", "egress-probe", "http-metrics", daemon.port()))))) {
                String p99 = "target_path:egress_probe_upstream_connect_seconds:p99_5m{target=\"identity\"}";
                await("the recorded p99").atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                        .ignoreExceptions().until(() -> !prometheus.query(p99).isEmpty());
                assertThat(prometheus.query("count({__name__=\"egress_probe_upstream_connect_seconds_bucket\"})"))
                        .as("ingested as native: no classic bucket series to record from").isEmpty();
                double recorded = prometheus.query(p99).get(0).at("/value/1").asDouble();
                assertThat(recorded).as("p99 of 20 ms connects through the sidecar, from the native series")
                        .isGreaterThan(0.015).isLessThan(1);
                await("the utilisation the near-timeout alert reads").atMost(Duration.ofSeconds(30))
                        .pollInterval(Duration.ofSeconds(1)).ignoreExceptions().until(() -> !prometheus.query(
                                "target_path:egress_probe_timeout_utilization:p99_5m{target=\"identity\"}").isEmpty());
            }
        }
    }

    static JsonNode target(RunningDaemon daemon) throws Exception {
        return JSON.readTree(get(daemon.port(), "/api/v1/targets", "application/json")).at("/targets/0");
    }

    static String get(int port, String path, String accept) throws Exception {
        return new String(fetch(port, path, accept));
    }

    static byte[] fetch(int port, String path, String accept) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).header("Accept", accept)
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofByteArray()).body();
    }

    /** The target's upstream histogram as Prometheus receives it over protobuf (delimited MetricFamily messages). */
    static Metrics.Histogram nativeHistogram(int port) throws Exception {
        byte[] body = fetch(port, "/metrics", "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited");
        try (InputStream in = new ByteArrayInputStream(body)) {
            for (Metrics.MetricFamily f; (f = Metrics.MetricFamily.parseDelimitedFrom(in)) != null; ) {
                if (f.getName().equals("egress_probe_upstream_connect_seconds")) {
                    return f.getMetric(0).getHistogram();
                }
            }
        }
        throw new AssertionError("no egress_probe_upstream_connect_seconds in the protobuf exposition");
    }

    /**
     * Observations in buckets whose upper bound is at most {@code threshold}. Bucket i holds (b^(i-1), b^i], b =
     * 2^(2^-schema); the first span's offset is its first bucket's index, a later one's the gap after the one before;
     * the counts are deltas from the bucket before.
     */
    static long below(Metrics.Histogram h, double threshold) {
        double base = Math.pow(2, Math.pow(2, -h.getSchema()));
        long count = h.getZeroCount();
        int index = 0;
        int position = 0;
        long current = 0;
        for (Metrics.BucketSpan span : h.getPositiveSpanList()) {
            index += span.getOffset();
            for (int i = 0; i < span.getLength(); i++) {
                current += h.getPositiveDelta(position++);
                if (Math.pow(base, index) <= threshold) {
                    count += current;
                }
                index++;
            }
        }
        return count;
    }
}
