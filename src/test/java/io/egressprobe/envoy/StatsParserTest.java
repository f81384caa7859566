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
}
