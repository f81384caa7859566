package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.egressprobe.measure.GoDuration;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Over the Istio fixtures of the scenario (see src/test/resources/istio/SOURCES.md). */
class DestinationRulesTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static List<JsonNode> documents(String fixture) throws IOException {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class)
                .readValues(Files.readString(Path.of("src/test/resources/istio", fixture)))) {
            it.forEachRemaining(docs::add);
        }
        return docs;
    }

    static List<DestinationRules.Rule> rules() throws IOException {
        return documents("destinationrule-connect-timeout.yaml").stream().map(d -> new DestinationRules.Rule(
                d.at("/metadata/namespace").asText(), d.at("/metadata/name").asText(), d.get("spec"))).toList();
    }

    @ParameterizedTest(name = "{0}:{1} -> {2}")
    @CsvSource({
            "payments.partner.example, 443, 1s",      // top level
            "payments.partner.example, 8443, 250ms",  // port level replaces top level
            "reports.partner.example, 443, none",     // port level without connectionPool: nothing, even though the top level sets 3s
            "reports.partner.example, 80, 3s",        // no port-level entry: top level
            "api.example.com, 443, none"})            // no rule for the host
    void shouldApplyIstiosPortLevelSemantics(String host, int port, String expected) throws IOException {
        Optional<Duration> timeout = DestinationRules.connectTimeout(rules(), host, port, "probe-system");

        assertThat(timeout.map(d -> d.toMillis() % 1000 == 0 ? d.toSeconds() + "s" : d.toMillis() + "ms").orElse("none"))
                .isEqualTo(expected);
    }

    /** Istio's PushContext.destinationRule: the proxy's namespace, the service's, the root's; never a fourth. */
    @Test
    void shouldPreferARuleInTheProbesOwnNamespaceAndReadNoFourth() throws IOException {
        List<DestinationRules.Rule> rules = new ArrayList<>(rules());
        rules.add(new DestinationRules.Rule("aaa-other", "elsewhere", YAML.readTree(
                "host: payments.partner.example\ntrafficPolicy: { connectionPool: { tcp: { connectTimeout: 7s } } }")));
        DestinationRuleIndex index = DestinationRuleIndex.of(rules, DestinationRuleIndex.Mesh.DEFAULT);

        assertThat(DestinationRules.connectTimeout(rules, "payments.partner.example", 443, "probe-system")).contains(Duration.ofSeconds(1));
        assertThat(DestinationRules.connectTimeout(rules, "payments.partner.example", 443, "zzz"))
                .as("aaa-other is neither the proxy's, the service's nor the root namespace").isEmpty();
        assertThat(index.forProxy("zzz", Optional.empty(), "payments.partner.example", Optional.of("aaa-other"))
                .flatMap(r -> DestinationRules.connectTimeout(r.trafficPolicy(), 443)))
                .as("where the ServiceEntry lives in aaa-other").contains(Duration.ofSeconds(7));
    }

    @Test
    void shouldReadTheMeshConnectTimeoutOrNothing() throws IOException {
        assertThat(MeshConfig.connectTimeout(documents("configmap-istio-mesh.yaml").get(0).at("/data/mesh").asText()))
                .contains(Duration.ofSeconds(5));
        assertThat(MeshConfig.connectTimeout(documents("configmap-istio-mesh-defaults.yaml").get(0).at("/data/mesh").asText()))
                .isEmpty();
        assertThat(MeshConfig.configMapName(Optional.of("canary"))).isEqualTo("istio-canary");
        assertThat(MeshConfig.configMapName(Optional.of("default"))).isEqualTo("istio");
        assertThat(MeshConfig.configMapName(Optional.empty())).isEqualTo("istio");
    }

    @ParameterizedTest
    @CsvSource({"250ms, 250", "1s, 1000", "1.5s, 1500", "0.250s, 250", "1m30s, 90000", "10s, 10000"})
    void shouldParseGoDurations(String text, long millis) {
        assertThat(GoDuration.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    /**
     * Istio 1.31's mesh-wide baseline, with the cases of istio/istio's own tests (1.31.0-rc.0) read for the connect
     * timeout: {@code TestApplyDefaultTrafficPolicy} (cluster_traffic_policy_test.go: no mesh default leaves the rule's
     * pool; no rule inherits the baseline's pool; a rule's pool replaces the baseline's whole) and
     * {@code TestDefaultTrafficPolicy} (cluster_test.go: "baseline applied with no destination rule", "destination rule
     * overrides connectionPool"), plus the port-level entry that replaces the rule's policy for its port.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', nullValues = "-", value = {
            "no mesh default leaves the rule's pool                | {connectionPool: {tcp: {connectTimeout: 7s}}}                | 443  | -   | 7s | true",
            "no rule, no mesh default: the mesh connectTimeout      | -                                                           | 443  | -   | -  | -",
            "no rule inherits the baseline's pool                  | -                                                           | 443  | 33s | 33s | false",
            "a rule without a pool inherits the baseline's pool    | {outlierDetection: {consecutive5xxErrors: 9}}               | 443  | 33s | 33s | false",
            "the rule's pool overrides the baseline's              | {connectionPool: {tcp: {connectTimeout: 7s}}}                | 443  | 33s | 7s | true",
            "a rule's pool without connectTimeout keeps no baseline | {connectionPool: {http: {http1MaxPendingRequests: 5}}}      | 443  | 33s | -  | -",
            "a port-level entry without a pool takes the baseline  | {connectionPool: {tcp: {connectTimeout: 7s}}, portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE}}]} | 8443 | 33s | 33s | false",
            "another port keeps the rule's top level               | {connectionPool: {tcp: {connectTimeout: 7s}}, portLevelSettings: [{port: {number: 8443}, tls: {mode: SIMPLE}}]} | 443  | 33s | 7s | true",
    })
    void shouldApplyTheMeshWideBaselineAsIstio131Does(String name, String policy, int port, String baseline, String expected,
                                                      Boolean fromRule) throws IOException {
        Optional<JsonNode> trafficPolicy = policy == null ? Optional.empty() : Optional.of(YAML.readTree(policy));

        Optional<DestinationRules.RuleOrBaseline> t = DestinationRules.connectTimeout(trafficPolicy, port,
                Optional.ofNullable(baseline).map(GoDuration::parse));

        assertThat(t.map(DestinationRules.RuleOrBaseline::timeout)).isEqualTo(Optional.ofNullable(expected).map(GoDuration::parse));
        assertThat(t.map(DestinationRules.RuleOrBaseline::fromRule)).isEqualTo(Optional.ofNullable(fromRule));
    }

    @Test
    void shouldReadTheMeshWideBaselineAndTheInstallingRelease() {
        assertThat(MeshConfig.defaultConnectTimeout("connectTimeout: 10s\ndefaultTrafficPolicy:\n  connectionPool:\n"
                + "    tcp:\n      connectTimeout: 2500ms\n")).contains(Duration.ofMillis(2500));
        assertThat(MeshConfig.defaultConnectTimeout("connectTimeout: 10s\n")).isEmpty();
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> MeshConfig.defaultConnectTimeout(
                "defaultTrafficPolicy: {connectionPool: {tcp: {connectTimeout: soon}}}")))
                .hasMessageContaining("defaultTrafficPolicy.connectionPool.tcp.connectTimeout");
        assertThat(MeshConfig.version(java.util.Map.of("app.kubernetes.io/version", "1.24.1")).map(Object::toString)).contains("1.24.1");
        assertThat(MeshConfig.version(java.util.Map.of("istio.io/rev", "default"))).isEmpty();
    }
}
