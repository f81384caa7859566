package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.route.Destination;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrunedTreeTest {
    static final Path REAL = Path.of("src/test/resources/envoy-real");

    static JsonNode fed(byte[] answer, int chunk, PrunedTree.Pruning pruning) {
        PrunedTree tree = new PrunedTree(pruning, Long.MAX_VALUE);
        for (int at = 0; at < answer.length; at += chunk) {
            tree.feed(answer, at, Math.min(chunk, answer.length - at));
        }
        return tree.end();
    }

    @ParameterizedTest(name = "{0} in chunks of {1}")
    @CsvSource({
            "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json, 1",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json, 7",
            "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json, 8192",
    })
    void shouldBuildFromChunksTheTreeJacksonReadsWhole(String capture, int chunk) throws Exception {
        byte[] answer = Files.readAllBytes(REAL.resolve(capture));

        boolean same = fed(answer, chunk, new PrunedTree.Pruning() { }).equals(new ObjectMapper().readTree(answer));

        assertThat(same).as("the same tree as Jackson's whole read").isTrue();
    }

    @Test
    void shouldKeepOfAGrownDumpOnlyTheTargetsListenerChainAndVirtualOutbound() {
        List<byte[]> chunks = new ArrayList<>();
        long bytes = GrownDump.write(2_000, chunks::add);
        SidecarQuestion question = SidecarQuestion.of(List.of(new Destination("api-7.partner-7.example.com", 443)));
        PrunedTree tree = new PrunedTree(RoutingPruning.listenersAndRoutes(question), Long.MAX_VALUE);
        chunks.forEach(c -> tree.feed(c, 0, c.length));

        SidecarListeners kept = ConfigDumpParser.parseAnswers(List.of(tree.end()));

        assertThat(bytes).isGreaterThan(2_000_000);
        assertThat(kept.listeners()).extracting(SidecarListeners.Listener::name).containsExactly("0.0.0.0_443", "virtualOutbound");
        assertThat(kept.listeners().get(0).chains()).hasSize(1);
        assertThat(kept.route("api-7.partner-7.example.com", 443).orElseThrow().clusters())
                .extracting(SidecarListeners.WeightedCluster::name).containsExactly("outbound|443||api-7.partner-7.example.com");
    }

    @Test
    void shouldNeverBuildAnElementDroppedByItsName() {
        List<String> judgedWhole = new ArrayList<>();
        PrunedTree.Pruning onlyB = new PrunedTree.Pruning() {
            @Override
            public boolean keepNamed(String array, String kind, String name) {
                return !array.equals("items") || name.equals("b");
            }

            @Override
            public boolean keep(String array, JsonNode element) {
                judgedWhole.add(array + ":" + element.path("name").asText(element.toString()));
                return true;
            }
        };
        byte[] answer = ("{\"items\": [{\"name\": \"a\", \"body\": [{\"x\": 1}]}, {\"name\": \"b\", \"body\": [{\"x\": 2}]},"
                + " {\"wrapped\": {\"name\": \"c\"}, \"body\": [{\"x\": 3}]}]}").getBytes(StandardCharsets.UTF_8);

        JsonNode kept = fed(answer, 3, onlyB);

        assertThat(kept.get("items")).hasSize(1);
        assertThat(kept.get("items").get(0).get("name").asText()).isEqualTo("b");
        assertThat(judgedWhole).as("a dropped element's own arrays are never read into a tree")
                .containsExactly("body:{\"x\":2}", "items:b");
    }

    @Test
    void shouldSkipAFieldNeverReadWhereverItStands() {
        PrunedTree.Pruning noLogs = new PrunedTree.Pruning() {
            @Override
            public boolean skipField(String field) {
                return field.equals("access_log");
            }
        };
        JsonNode kept = PrunedTree.of("{\"a\": {\"access_log\": [{\"big\": true}], \"cluster\": \"c\"}, \"access_log\": 3}"
                .getBytes(StandardCharsets.UTF_8), noLogs);

        assertThat(kept.toString()).isEqualTo("{\"a\":{\"cluster\":\"c\"}}");
    }

    @Test
    void shouldStopReadingPastTheLimit() {
        PrunedTree tree = new PrunedTree(new PrunedTree.Pruning() { }, 10);
        byte[] answer = "{\"configs\": []}".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() -> tree.feed(answer, 0, answer.length)).isInstanceOf(PrunedTree.TooLarge.class)
                .hasMessage("the answer is larger than 10 bytes");
    }

    @Test
    void shouldNameAnAnswerThatIsNotJsonOrEndsInsideIt() {
        assertThatThrownBy(() -> PrunedTree.of("{\"configs\": [ {\"@type\"".getBytes(StandardCharsets.UTF_8),
                new PrunedTree.Pruning() { })).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ended after 22 bytes");
        assertThatThrownBy(() -> PrunedTree.of("<html>".getBytes(StandardCharsets.UTF_8), new PrunedTree.Pruning() { }))
                .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not JSON");
    }

    /**
     * The bounded heap, shown in a JVM of its own: an answer of a 40,000-service mesh (about 60 MB) streamed through the
     * pruning with a 32 MiB heap, which could not hold the answer as one buffer, let alone its tree.
     */
    @Test
    void shouldReadAnAnswerTwiceTheHeapInABoundedHeap() throws Exception {
        Process child = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx32m",
                "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"), GrownDump.class.getName(), "40000",
                "api-7.partner-7.example.com", "443").redirectErrorStream(true).start();
        ByteArrayOutputStream output = new ByteArrayOutputStream();
        child.getInputStream().transferTo(output);
        assertThat(child.waitFor(120, TimeUnit.SECONDS)).isTrue();
        String printed = output.toString(StandardCharsets.UTF_8);

        assertThat(child.exitValue()).as(printed).isZero();
        assertThat(printed).contains("listeners=2 chains=2 route=outbound|443||api-7.partner-7.example.com");
        long bytes = Long.parseLong(printed.replaceAll("(?s).*bytes=(\\d+).*", "$1"));
        assertThat(bytes).as("the answer streamed, nearly twice the heap").isGreaterThan(56L << 20);
    }
}
