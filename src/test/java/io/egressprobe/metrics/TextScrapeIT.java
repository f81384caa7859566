package io.egressprobe.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.PrometheusText;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.RunningDaemon;
import io.egressprobe.testing.TestPki;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.zip.GZIPInputStream;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text exposition written from the meters is the one Micrometer's own scrape writes: the same families, HELP, TYPE,
 * series, labels and values, read from a daemon probing real TLS servers and a closed port (so every family of a
 * target has series: successes, failures by reason, histograms, summaries, the info series with a config label).
 */
class TextScrapeIT {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    Path dir;
    TlsTargetServer identity;
    TlsTargetServer payments;
    RunningDaemon daemon;
    Path config;

    @BeforeEach
    void setUp() throws Exception {
        TestPki pki = new TestPki(dir);
        IssuedCertificate cert = pki.valid();
        identity = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, cert, () -> 0, 200);
        payments = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, cert, () -> 30, 200);
        config = dir.resolve("config.yaml");
        Files.writeString(config, """
                listen: 127.0.0.1:0
                mode: direct
                metrics: { phaseHistograms: true }
                defaults: { interval: 200ms, probeTimeout: 2s, envoyConnectTimeout: 1s, window: 1m }
                targets:
                  - { name: identity, host: identity.test, port: %d, tls: { caFile: ca.pem }, http: { path: /healthz }, labels: { team: "a \\"quoted\\" team" } }
                  - { name: payments, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                  - { name: down, host: identity.test, port: %d, tls: { caFile: ca.pem } }
                """.formatted(identity.port(), payments.port(), RawServers.closedPort()));
        daemon = RunningDaemon.start(config, RunningDaemon.FAST);
    }

    @AfterEach
    void tearDown() throws Exception {
        daemon.close();
        identity.close();
        payments.close();
    }

    @Test
    void shouldWriteTheSameSeriesAsMicrometersScrapeWhileTheDaemonProbes() throws Exception {
        PrometheusMeterRegistry registry = daemon.registry();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            String text = fromMeters(registry);
            return text.contains("egress_probe_attempts_total{path=\"direct\",result=\"success\",target=\"payments\"}")
                    && text.contains("egress_probe_attempts_total{path=\"direct\",result=\"failure\",target=\"down\"}");
        });
        fromMeters(registry);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            fromMeters(registry);
            assertThat(((ExposedRegistry) registry).wroteFromMeters())
                    .as("written from the meters, not the library (%s)", ((ExposedRegistry) registry).unplaced()).isTrue();
        });

        assertSameAsMicrometers(registry);

        // A target removed takes its meters with it: the next scrape derives its lines again, without the target's.
        Files.writeString(config, Files.readString(config).lines().filter(l -> !l.contains("name: payments"))
                .collect(java.util.stream.Collectors.joining("\n", "", "\n")));
        assertThat(Http.post(daemon.port(), "/-/reload").statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(30)).until(() -> !registry.scrape().contains("target=\"payments\""));
        assertThat(fromMeters(registry)).doesNotContain("target=\"payments\"");
        assertSameAsMicrometers(registry);
    }

    /** The daemon keeps probing between the two scrapes: they are compared until a pair falls between two attempts. */
    private static void assertSameAsMicrometers(PrometheusMeterRegistry registry) throws Exception {
        AtomicReference<String> last = new AtomicReference<>();
        try {
            await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(50)).until(() -> {
                Map<String, String> ours = series(fromMeters(registry));
                boolean fromMeters = ((ExposedRegistry) registry).wroteFromMeters();
                Map<String, String> micrometers = series(registry.scrape());
                last.set("ours:         " + ours + "\nMicrometer's: " + micrometers);
                // Only a scrape written from the meters counts: one after a meter came or went is the library's own.
                return fromMeters && ours.equals(micrometers);
            });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("never the same series and values:\n" + last.get(), e);
        }
        // Families as Prometheus reads them: names, types and HELP alike.
        assertThat(families(fromMeters(registry))).isEqualTo(families(registry.scrape()));
    }

    @Test
    void shouldServeTheTextGzippedOrPlainAndProtobufToWhoAsksForIt() throws Exception {
        int port = daemon.port();
        await().atMost(Duration.ofSeconds(30)).until(() -> get(port, Map.of()).body().length > 0
                && new String(get(port, Map.of()).body(), StandardCharsets.UTF_8).contains("target=\"payments\""));

        // The daemon probes meanwhile, and a series can appear between two reads (a first failure of a target): the
        // three reads are taken again until they are of one moment, and then must agree.
        await("gzip, plain and the library's own scrape agree").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            HttpResponse<byte[]> gzipped = get(port, Map.of("Accept-Encoding", "gzip"));
            assertThat(gzipped.headers().firstValue("Content-Encoding")).hasValue("gzip");
            assertThat(gzipped.headers().firstValue("Content-Type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
            String unzipped = new String(new GZIPInputStream(new ByteArrayInputStream(gzipped.body())).readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(families(unzipped)).isEqualTo(families(daemon.registry().scrape()));

            HttpResponse<byte[]> plain = get(port, Map.of());
            assertThat(plain.headers().firstValue("Content-Encoding")).isEmpty();
            assertThat(families(new String(plain.body(), StandardCharsets.UTF_8))).isEqualTo(families(unzipped));
        });

        HttpResponse<byte[]> protobuf = get(port, Map.of("Accept",
                "application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily;encoding=delimited"));
        assertThat(protobuf.headers().firstValue("Content-Type")).hasValueSatisfying(v ->
                assertThat(v).startsWith("application/vnd.google.protobuf"));
        assertThat(protobuf.body()).isNotEmpty();
    }

    private static String fromMeters(PrometheusMeterRegistry registry) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ExposedRegistry.writeText(registry, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Every series by its name and labels, with its value; the runtime's own (CPU, memory, threads) by name only. */
    private static Map<String, String> series(String text) {
        Map<String, String> series = new TreeMap<>();
        PrometheusText.parse(text).values().forEach(f -> f.samples().forEach(s -> series.put(
                s.name() + new TreeMap<>(s.labels()),
                f.name().startsWith("process_") || f.name().startsWith("jvm_") ? "" : Double.toString(s.value()))));
        return series;
    }

    private static Map<String, String> families(String text) {
        Map<String, String> families = new TreeMap<>();
        PrometheusText.parse(text).values().forEach(f -> families.put(f.name(), f.type() + " " + f.help() + " "
                + f.samples().stream().map(s -> s.name() + new TreeMap<>(s.labels())).sorted().toList()));
        return families;
    }

    private static HttpResponse<byte[]> get(int port, Map<String, String> headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"));
        headers.forEach(request::header);
        return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    }
}
