package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Over the constructed {@code /stats?format=json} answers of the fixtures' scenario (see SOURCES.md). */
class StatsParserTest {
    static Map<String, ClusterStats> parse(String fixture) throws IOException {
        return StatsParser.parse(Files.readString(Path.of("src/test/resources/envoy", fixture)));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stats_format_json_istio_pre123.json", "stats_format_json_istio_123plus.json"})
    void shouldReadTheScenariosCountersWithEitherStatNameForm(String fixture) throws IOException {
        Map<String, ClusterStats> stats = parse(fixture);

        ClusterStats api = stats.get("outbound|443||api.example.com");
        assertThat(api.connections()).hasValue(2881);
        assertThat(api.connectFailures()).hasValue(2);
        assertThat(api.connectTimeouts()).hasValue(1);
        ClusterStats payments = stats.get("outbound|443||payments.partner.example");
        assertThat(payments.connections()).hasValue(1450);
        assertThat(payments.connectTimeouts()).hasValue(9);
        assertThat(stats).containsKey("PassthroughCluster");
    }

    @Test
    void shouldTakeTheCumulativeQuantilesEvenWhereTheIntervalOnesAreNull() throws IOException {
        Map<String, ClusterStats> stats = parse("stats_format_json_istio_123plus.json");

        Map<Double, Duration> api = stats.get("outbound|443||api.example.com").connectQuantiles();
        assertThat(api).containsOnlyKeys(0.5, 0.9, 0.99, 0.999);
        assertThat(api.get(0.5)).isLessThan(api.get(0.999));
        assertThat(stats.get("outbound|443||payments.partner.example").connectQuantiles()).containsKeys(0.5, 0.99);
    }

    @Test
    void shouldSplitAtTheStatSuffixBecauseClusterNamesHoldDots() {
        assertThat(StatsParser.clusterOf("cluster.outbound|443||a.b.example.com.upstream_cx_connect_timeout",
                StatsParser.TIMEOUTS)).isEqualTo("outbound|443||a.b.example.com");
        assertThat(StatsParser.clusterOf("cluster.outbound|443||a.b.example.com;.upstream_cx_connect_timeout",
                StatsParser.TIMEOUTS)).isEqualTo("outbound|443||a.b.example.com");
        assertThat(StatsParser.clusterOf("cluster.x.upstream_cx_connect_timeout_budget", StatsParser.TIMEOUTS)).isNull();
        assertThat(StatsParser.clusterOf("listener.x.upstream_cx_connect_timeout", StatsParser.TIMEOUTS)).isNull();
    }

    @Test
    void shouldFindNothingWhereTheStatsAreNotEnabled() {
        assertThat(StatsParser.parse("{\"stats\": [{\"name\": \"server.live\", \"value\": 1}]}")).isEmpty();
        assertThatThrownBy(() -> StatsParser.parse("<html>")).isInstanceOf(IllegalArgumentException.class);
    }

    /**
     * Envoy 1.22+'s {@code histogram_buckets=cumulative} JSON, in the shape of envoyproxy/envoy
     * {@code test/server/admin/stats_handler_test.cc} {@code HandlerStatsJsonHistogramBucketsCumulative} (bounds 1..4, the
     * values 1, 2, 2 recorded: 0 below 1, 1 below 2, 3 below 3 and 4), under a cluster's stat name.
     */
    @Test
    void shouldReadEnvoysCumulativeBucketsInTheFormOfItsOwnTest() {
        String answer = """
                {"stats": [
                  {"name":"cluster.outbound|443||api.example.com;.upstream_cx_total", "value":3},
                  {"histograms": [
                    {"name": "cluster.outbound|443||api.example.com;.upstream_cx_connect_ms", "buckets": [
                      {"upper_bound":1, "interval":0, "cumulative":0},
                      {"upper_bound":2, "interval":0, "cumulative":1},
                      {"upper_bound":3, "interval":1, "cumulative":3},
                      {"upper_bound":4, "interval":1, "cumulative":3}]},
                    {"name": "cluster.other;.upstream_rq_time", "buckets": [{"upper_bound":1, "interval":0, "cumulative":7}]}]}]}
                """;
        ClusterStats api = StatsParser.parse(answer).get("outbound|443||api.example.com");

        assertThat(api.connections()).hasValue(3);
        assertThat(api.connectBuckets()).hasValueSatisfying(b -> {
            assertThat(b.buckets()).extracting(x -> x.upperBoundMillis()).containsExactly(1.0, 2.0, 3.0, 4.0);
            assertThat(b.buckets()).extracting(x -> x.count()).containsExactly(0L, 1L, 3L, 3L);
            assertThat(b.connects()).isEqualTo(3);
        });
        // p50 = rank 1.5 in (2, 3]: 0.5 of its 2 connects in; since-start quantiles come from the buckets.
        assertThat(api.connectQuantiles().get(0.5)).isEqualTo(Duration.ofNanos(2_250_000));
    }

    @Test
    void shouldReadTheFixturesBucketsAndTheQuantilesPrometheusWouldReadFromThem() throws IOException {
        Map<String, ClusterStats> stats = parse("stats_format_json_histogram_buckets_cumulative_istio_123plus.json");

        ClusterStats payments = stats.get("outbound|443||payments.partner.example");
        assertThat(payments.connectBuckets().orElseThrow().connects()).isEqualTo(1441);
        // rank 0.99 x 1441 = 1426.59 in (50, 100] (1398 below 50, 32 in it): 50 + 50 x 28.59 / 32.
        assertThat(payments.connectQuantiles().get(0.99)).isEqualTo(Duration.ofNanos(94_671_875));
        assertThat(stats.get("outbound|443||api.example.com").connectBuckets().orElseThrow().connects()).isEqualTo(2879);
    }

    @Test
    void shouldKeepTheQuantileFormOfAnEnvoyBefore122WithoutBuckets() throws IOException {
        assertThat(parse("stats_format_json_istio_123plus.json").get("outbound|443||api.example.com").connectBuckets()).isEmpty();
    }

    @Test
    void shouldSayWhichBucketIsNotABucket() {
        assertThatThrownBy(() -> StatsParser.parse("""
                {"stats": [{"histograms": [{"name": "cluster.a;.upstream_cx_connect_ms", "buckets": [{"upper_bound":1}]}]}]}
                """)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cluster.a;.upstream_cx_connect_ms")
                .hasMessageContaining("cumulative");
    }

    /** Where the filter could not name the clusters, the pruning drops other clusters' histograms as they arrive. */
    @Test
    void shouldPruneOtherClustersHistogramsWhileReading() throws IOException {
        byte[] answer = Files.readAllBytes(Path.of("src/test/resources/envoy",
                "stats_format_json_histogram_buckets_cumulative_istio_123plus.json"));
        PrunedTree tree = new PrunedTree(StatsParser.pruning(java.util.Set.of("outbound|443||payments.partner.example")),
                Long.MAX_VALUE);
        tree.feed(answer, 0, answer.length);
        Map<String, ClusterStats> stats = StatsParser.parse(tree.end());

        assertThat(stats).containsOnlyKeys("outbound|443||payments.partner.example");
    }
}
