package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Istio's DestinationRule lookup and merge, with the cases of istio/istio's own tests (pilot/pkg/model): each test
 * names the one it is taken from. Subsets stand for "which rule", as they do there.
 */
class DestinationRuleIndexTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final Instant NOW = Instant.parse("2026-12-01T00:00:00Z");

    private static DestinationRules.Rule rule(String namespace, String name, Instant created, String spec) {
        try {
            return new DestinationRules.Rule(namespace, name, YAML.readTree(spec), created);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static DestinationRules.Rule rule(String namespace, String name, String spec) {
        return rule(namespace, name, Instant.EPOCH, spec);
    }

    private static List<String> subsets(DestinationRuleIndex index, String proxyNs, String serviceNs, String host) {
        List<DestinationRuleIndex.Merged> found = index.lookup(proxyNs, host, Optional.of(serviceNs));
        return found.isEmpty() ? List.of() : found.get(0).subsets();
    }

    /** TestSetDestinationRuleWithExportTo: the rules and the whole table of cases. */
    private static final List<DestinationRules.Rule> EXPORT_TO = List.of(
            rule("test1", "rule1", "{host: httpbin.org, exportTo: ['.', ns1], subsets: [{name: subset1}, {name: subset2}]}"),
            rule("test2", "rule2", "{host: httpbin.org, exportTo: [test2, ns1, test1, newNS], subsets: [{name: subset3}, {name: subset4}]}"),
            rule("test3", "rule3", "{host: httpbin.org, exportTo: [test1, test2, '*'], subsets: [{name: subset5}, {name: subset6}]}"),
            rule("test4", "rule4-local", "{host: httpbin.org, exportTo: [test4], subsets: [{name: subset15}, {name: subset16}]}"),
            rule("istio-system", "rule4", "{host: httpbin.org, subsets: [{name: subset7}, {name: subset8}]}"),
            rule("istio-system", "rule1", "{host: httpbin.org, exportTo: ['.'], subsets: [{name: subset9}, {name: subset10}]}"),
            rule("istio-system", "rule2", "{host: '*.org', exportTo: ['.'], subsets: [{name: subset11}, {name: subset12}]}"),
            rule("istio-system", "rule3", "{host: '*.app.org', exportTo: ['.'], subsets: [{name: subset13}, {name: subset14}]}"),
            rule("test5", "rule5", "{host: api.test.com, exportTo: [istio-system], subsets: [{name: subset5-0}, {name: subset5-1}]}"),
            rule("test6", "rule6", "{host: api.test.com, exportTo: [istio-system], subsets: [{name: subset6-0}, {name: subset6-1}]}"));

    @ParameterizedTest(name = "proxy {0}, service {1}, {2} -> {3}")
    @CsvSource({
            "test1, test1, httpbin.org, subset1 subset2",
            "test1, test2, httpbin.org, subset1 subset2",
            "test2, test1, httpbin.org, subset3 subset4",
            "newNS, test2, httpbin.org, subset3 subset4",
            "test3, test1, httpbin.org, subset5 subset6",
            "test5, test4, httpbin.org, subset7 subset8",
            "ns1, test1, httpbin.org, subset1 subset2",
            "ns1, random, httpbin.org, subset7 subset8",
            "random, random, httpbin.org, subset7 subset8",
            "test3, random, httpbin.org, subset5 subset6",
            "istio-system, random, httpbin.org, subset9 subset10",
            "istio-system, istio-system, httpbin.org, subset9 subset10",
            "istio-system, istio-system, foo.app.org, subset13 subset14",
            "istio-system, test5, api.test.com, subset5-0 subset5-1",
            "istio-system, test6, api.test.com, subset6-0 subset6-1",
            "istio-system, test7, api.test.com, ''"})
    void testSetDestinationRuleWithExportTo(String proxyNs, String serviceNs, String host, String want) {
        DestinationRuleIndex index = DestinationRuleIndex.of(EXPORT_TO, DestinationRuleIndex.Mesh.DEFAULT);

        assertThat(String.join(" ", subsets(index, proxyNs, serviceNs, host))).isEqualTo(want);
    }

    /** TestSetDestinationRuleMerging: same-host rules of one namespace merge; another exportTo stays apart. */
    @Test
    void testSetDestinationRuleMerging() {
        DestinationRuleIndex index = DestinationRuleIndex.of(List.of(
                rule("test", "rule1", "{host: httpbin.org, subsets: [{name: subset1}, {name: subset2}]}"),
                rule("test", "rule2", "{host: httpbin.org, subsets: [{name: subset3}, {name: subset4}]}"),
                rule("test", "rule3", "{host: httpbin.org, exportTo: [istio-system], subsets: [{name: subset5}, {name: subset6}]}")),
                DestinationRuleIndex.Mesh.DEFAULT);

        List<DestinationRuleIndex.Merged> local = index.lookup("test", "httpbin.org", Optional.empty());
        List<DestinationRuleIndex.Merged> exported = index.lookup("istio-system", "httpbin.org", Optional.of("test"));
        assertThat(local).singleElement().satisfies(m -> {
            assertThat(m.from()).containsExactly("test/rule1", "test/rule2");
            assertThat(m.subsets()).containsExactly("subset1", "subset2", "subset3", "subset4");
        });
        assertThat(exported).hasSize(2);
        assertThat(exported.get(1).from()).containsExactly("test/rule3");
        assertThat(exported.get(1).exportTo()).containsExactly("istio-system");
    }

    /** TestSetDestinationRuleWithWorkloadSelector, and SidecarScope.DestinationRule's choice among the merged rules. */
    @Test
    void testSetDestinationRuleWithWorkloadSelector() {
        String tls = "tls: {mode: SIMPLE}";
        DestinationRuleIndex index = DestinationRuleIndex.of(List.of(
                rule("test", "nsRule1", NOW, "{host: httpbin.org, exportTo: [test2, '.'], workloadSelector: {matchLabels: {app: app1}},"
                        + " trafficPolicy: {connectionPool: {tcp: {connectTimeout: 1s}}}}"),
                rule("test", "nsRule2", NOW.plusSeconds(1), "{host: httpbin.org, exportTo: [test2, '.'], workloadSelector: {matchLabels: {app: app2}},"
                        + " trafficPolicy: {connectionPool: {tcp: {connectTimeout: 33s}}, " + tls + "}}"),
                rule("test", "nsRule3", NOW.plusSeconds(1), "{host: httpbin.org, exportTo: [test2, '.'], workloadSelector: {matchLabels: {app: app2}},"
                        + " trafficPolicy: {connectionPool: {tcp: {connectTimeout: 33s}}, " + tls + "}}"),
                rule("test", "nsRule4", NOW.minusSeconds(1), "{host: httpbin.org, exportTo: ['.', test2],"
                        + " trafficPolicy: {connectionPool: {tcp: {connectTimeout: 33s}}, " + tls + "}}")),
                DestinationRuleIndex.Mesh.DEFAULT);

        List<DestinationRuleIndex.Merged> inTest = index.lookup("test", "httpbin.org", Optional.of("test"));
        assertThat(inTest).extracting(m -> m.first().name()).containsExactly("nsRule1", "nsRule2", "nsRule4");
        assertThat(inTest.get(0).from()).containsExactly("test/nsRule1", "test/nsRule4");
        assertThat(inTest.get(1).from()).containsExactly("test/nsRule2", "test/nsRule3", "test/nsRule4");
        assertThat(index.lookup("test2", "httpbin.org", Optional.of("test"))).as("workload specific DR should not be exported")
                .extracting(m -> m.first().name()).containsExactly("nsRule4");

        assertThat(timeout(index, "test", Map.of("app", "app1", "version", "v1"))).contains(Duration.ofSeconds(1));
        assertThat(timeout(index, "test", Map.of("app", "other"))).as("the rule without a selector").contains(Duration.ofSeconds(33));
        assertThat(index.forProxy("test", Optional.empty(), "httpbin.org", Optional.of("test")).map(m -> m.first().name()))
                .as("labels not known: no selector rule applies").contains("nsRule4");
    }

    private static Optional<Duration> timeout(DestinationRuleIndex index, String ns, Map<String, String> labels) {
        return index.forProxy(ns, Optional.of(labels), "httpbin.org", Optional.of(ns))
                .flatMap(m -> DestinationRules.connectTimeout(m.trafficPolicy(), 443));
    }

    /** mergeDestinationRule: the oldest rule's top-level trafficPolicy wins, whatever the names. */
    @Test
    void shouldTakeTheOldestRulesTrafficPolicyWhenMerging() {
        DestinationRules.Rule older = rule("apps", "zz-older", NOW, "{host: api.example.com, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 2s}}}}");
        DestinationRules.Rule newer = rule("apps", "aa-newer", NOW.plusSeconds(60), "{host: api.example.com, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 9s}}}}");
        DestinationRules.Rule tie = rule("apps", "aa-same-second", NOW, "{host: api.example.com, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 4s}}}}");

        DestinationRuleIndex.Merged merged = index(List.of(newer, older)).forProxy("apps", Optional.empty(), "api.example.com", Optional.empty()).orElseThrow();
        assertThat(DestinationRules.connectTimeout(merged.trafficPolicy(), 443)).contains(Duration.ofSeconds(2));
        assertThat(merged.policyFrom()).contains(older);
        DestinationRuleIndex.Merged tied = index(List.of(older, tie)).forProxy("apps", Optional.empty(), "api.example.com", Optional.empty()).orElseThrow();
        assertThat(tied.policyFrom()).as("same creation second: by name").contains(tie);
    }

    private static DestinationRuleIndex index(List<DestinationRules.Rule> rules) {
        return DestinationRuleIndex.of(rules, DestinationRuleIndex.Mesh.DEFAULT);
    }

    /** A missing exportTo follows the mesh's defaultDestinationRuleExportTo; the root namespace is the mesh's. */
    @Test
    void shouldFollowTheMeshDefaultExportToAndRootNamespace() {
        DestinationRules.Rule inService = rule("partners", "api", "{host: api.example.com, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 2s}}}}");
        DestinationRules.Rule inRoot = rule("mesh-root", "api", "{host: api.example.com, trafficPolicy: {connectionPool: {tcp: {connectTimeout: 6s}}}}");

        DestinationRuleIndex everywhere = DestinationRuleIndex.of(List.of(inService, inRoot), new DestinationRuleIndex.Mesh("mesh-root", Set.of()));
        DestinationRuleIndex privately = DestinationRuleIndex.of(List.of(inService, inRoot), new DestinationRuleIndex.Mesh("mesh-root", Set.of(".")));
        DestinationRuleIndex otherRoot = DestinationRuleIndex.of(List.of(inRoot), DestinationRuleIndex.Mesh.DEFAULT);

        assertThat(policy(everywhere, "probes", "partners")).contains(Duration.ofSeconds(2));
        assertThat(policy(privately, "probes", "partners")).as("private by the mesh's default: neither is seen").isEmpty();
        assertThat(policy(privately, "partners", "partners")).as("in its own namespace").contains(Duration.ofSeconds(2));
        assertThat(policy(everywhere, "probes", "elsewhere")).as("the root namespace's").contains(Duration.ofSeconds(6));
        assertThat(policy(otherRoot, "probes", "elsewhere")).as("mesh-root is no root in a default mesh").isEmpty();
        assertThat(MeshConfig.destinationRules("rootNamespace: mesh-root\ndefaultDestinationRuleExportTo: ['.']"))
                .isEqualTo(new DestinationRuleIndex.Mesh("mesh-root", Set.of(".")));
        assertThat(MeshConfig.destinationRules("connectTimeout: 5s")).isEqualTo(DestinationRuleIndex.Mesh.DEFAULT);
    }

    private static Optional<Duration> policy(DestinationRuleIndex index, String proxyNs, String serviceNs) {
        return index.forProxy(proxyNs, Optional.empty(), "api.example.com", Optional.of(serviceNs))
                .flatMap(m -> DestinationRules.connectTimeout(m.trafficPolicy(), 443));
    }

    /** TestMostSpecificHostMatch (pilot/pkg/model/config_test.go). */
    @ParameterizedTest(name = "{1} in [{0}] -> {2}")
    @CsvSource({
            "'', *, ''",
            "*.foo.com *.com, bar.foo.com, *.foo.com",
            "*.foo.com *.com, foo.com, *.com",
            "foo.com *.com, *.foo.com, *.com",
            "*.foo.com foo.com, foo.com, foo.com",
            "*.foo.com foo.com, *.foo.com, *.foo.com",
            "bar.com foo.com, *.com, ''",
            "bar.com *.foo.com, *foo.com, ''",
            "foo.com *.foo.com, *foo.com, ''",
            "*.bar.com foo.bar.com, foo.bar.com, foo.bar.com",
            "*.foo.bar.com bar.foo.bar.com, bar.foo.bar.com, bar.foo.bar.com",
            "bar.foo.com foo.bar.com, *.foo.com, ''",
            "foo.bar.foo.com bar.foo.bar.com, *.bar.foo.com, ''"})
    void testMostSpecificHostMatch(String in, String needle, String want) {
        Map<String, String> hosts = new HashMap<>();
        for (String h : in.split(" ")) {
            if (!h.isEmpty()) {
                hosts.put(h, h);
            }
        }
        assertThat(DestinationRuleIndex.mostSpecificHostMatch(needle, hosts).orElse("")).isEqualTo(want);
    }

    @Test
    void shouldResolveShortNamesAsKubernetesServices() {
        assertThat(DestinationRuleIndex.resolveShortnameToFqdn("reviews", "bookinfo")).isEqualTo("reviews.bookinfo.svc.cluster.local");
        assertThat(DestinationRuleIndex.resolveShortnameToFqdn("*", "bookinfo")).isEqualTo("*");
        assertThat(DestinationRuleIndex.resolveShortnameToFqdn("api.example.com", "bookinfo")).isEqualTo("api.example.com");
        assertThat(DestinationRuleIndex.kubernetesServiceNamespace("istio-egressgateway.istio-system.svc.cluster.local"))
                .contains("istio-system");
        assertThat(DestinationRuleIndex.kubernetesServiceNamespace("api.example.com")).isEmpty();
    }
}
