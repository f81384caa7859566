package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A route's match against the probe's request, with the cases of envoyproxy/envoy
 * {@code test/common/http/header_utility_test.cc} ({@code MatchHeadersTest}, named after them) and the path specifiers'
 * rules of {@code source/common/router/config_impl.cc}; and a route config with a VirtualService's matched route before
 * its default one, as Istio writes them.
 */
class HttpRouteMatchTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static HttpRouteMatch.Request with(Map<String, String> headers) {
        return new HttpRouteMatch.Request("GET", "/", "identity.test", headers);
    }

    @ParameterizedTest(name = "{0}: {2} -> {3}")
    @CsvSource(delimiter = '|', value = {
            "HeaderPresence                                      | 'name: match-header'                                                       | match-header=value | true",
            "HeaderPresence                                      | 'name: match-header'                                                       | other-header=value | false",
            "HeaderPresenceTreatMissingAsEmpty                   | '{name: match-header, treat_missing_header_as_empty: true}'                | other-header=value | true",
            "HeaderExactMatch                                    | '{name: match-header, exact_match: match-value}'                          | match-header=match-value | true",
            "HeaderExactMatch                                    | '{name: match-header, exact_match: match-value}'                          | match-header=other-value | false",
            "HeaderExactMatchInverse                             | '{name: match-header, exact_match: match-value, invert_match: true}'      | match-header=other-value | true",
            "HeaderExactMatchInverse                             | '{name: match-header, exact_match: match-value, invert_match: true}'      | ''                 | false",
            "HeaderExactMatchInverseTreatMissingAsEmpty          | '{name: match-header, exact_match: match-value, invert_match: true, treat_missing_header_as_empty: true}' | '' | true",
            "HeaderSafeRegexMatch                                | '{name: match-header, safe_regex_match: {regex: \"\\\\d{3}\"}}'               | match-header=123  | true",
            "HeaderSafeRegexMatch                                | '{name: match-header, safe_regex_match: {regex: \"\\\\d{3}\"}}'               | match-header=1234 | false",
            "HeaderRangeMatch                                    | '{name: match-header, range_match: {start: -10, end: 0}}'                 | match-header=-1   | true",
            "HeaderRangeMatch                                    | '{name: match-header, range_match: {start: -10, end: 0}}'                 | match-header=0    | false",
            "HeaderPresentMatchWithTrueValue                     | '{name: match-header, present_match: true}'                               | nonmatch-header=1 | false",
            "HeaderPresentMatchWithTrueValueTreatMissingAsEmpty  | '{name: match-header, present_match: true, treat_missing_header_as_empty: true}' | nonmatch-header=1 | true",
            "HeaderPresentMatchWithFalseValue                    | '{name: match-header, present_match: false}'                              | match-header=123  | false",
            "HeaderPresentMatchWithFalseValue                    | '{name: match-header, present_match: false}'                              | nonmatch-header=1 | true",
            "HeaderPresentMatchWithFalseValueTreatMissingAsEmpty | '{name: match-header, present_match: false, treat_missing_header_as_empty: true}' | ''          | false",
            "HeaderPresentInverseMatchWithTrueValue              | '{name: match-header, present_match: true, invert_match: true}'           | nonmatch-header=1 | true",
            "HeaderPresentInverseMatchWithTrueValue              | '{name: match-header, present_match: true, invert_match: true}'           | match-header=123  | false",
            "StringMatch prefix, ignore_case                     | '{name: match-header, string_match: {prefix: ABC, ignore_case: true}}'   | match-header=abcd | true"})
    void shouldMatchHeadersAsEnvoyDoes(String envoyCase, String matcher, String headers, boolean expected) throws Exception {
        Map<String, String> request = headers.isEmpty() ? Map.of() : Map.of(headers.split("=")[0], headers.split("=")[1]);

        assertThat(HttpRouteMatch.headerMatches(YAML.readTree(matcher), with(request))).as(envoyCase).isEqualTo(expected);
    }

    @ParameterizedTest(name = "{0} against {1} -> {2}")
    @CsvSource(delimiter = '|', value = {
            "'{prefix: /}'                                  | /healthz        | true",
            "'{prefix: /api}'                               | /healthz        | false",
            "'{prefix: /API, case_sensitive: false}'        | /api/v1         | true",
            "'{path: /healthz}'                             | /healthz?x=1    | true",
            "'{path: /healthz}'                             | /healthz/       | false",
            "'{safe_regex: {regex: \"/health.*\"}}'         | /healthz?x=1    | true",
            "'{safe_regex: {regex: \"/health\"}}'           | /healthz        | false",
            "'{path_separated_prefix: /api}'                | /api/v1         | true",
            "'{path_separated_prefix: /api}'                | /apiv1          | false",
            "'{prefix: /, grpc: {}}'                        | /               | false",
            "'{prefix: /, query_parameters: [{name: debug}]}' | /?debug=1     | true",
            "'{prefix: /, query_parameters: [{name: debug}]}' | /             | false",
            "'{prefix: /, headers: [{name: \":method\", exact_match: POST}]}' | / | false",
            "'{prefix: /, headers: [{name: user-agent, string_match: {exact: egress-probe}}]}' | / | true"})
    void shouldMatchThePathAsEnvoyDoes(String match, String path, boolean expected) throws Exception {
        assertThat(HttpRouteMatch.matches(YAML.readTree(match), HttpRouteMatch.Request.probe(path, "identity.test"))).isEqualTo(expected);
    }

    /**
     * A VirtualService's matched route before its default one, in order, as Istio writes them: the probe's GET /
     * takes the default route's cluster and retries, not the first listed; a probe whose path the match names takes
     * the matched one.
     */
    @Test
    void shouldTakeTheFirstRouteTheProbesRequestMatches() throws Exception {
        JsonNode config = new ObjectMapper().readTree("""
                {"name": "80", "virtual_hosts": [{"name": "identity.test:80", "domains": ["identity.test"], "routes": [
                  {"match": {"prefix": "/admin", "case_sensitive": true}, "route": {"cluster": "outbound|80|admin|identity.test",
                    "retry_policy": {"retry_on": "connect-failure", "num_retries": 5}}},
                  {"match": {"prefix": "/"}, "route": {"cluster": "outbound|80||identity.test",
                    "retry_policy": {"retry_on": "connect-failure", "num_retries": 2}}}]}]}
                """);
        SidecarListeners.VirtualHost host = ConfigDumpParser.routeConfigOf(config).virtualHosts().get(0);

        SidecarListeners.HttpRoute root = host.routeFor(HttpRouteMatch.Request.probe("/", "identity.test")).orElseThrow();
        SidecarListeners.HttpRoute admin = host.routeFor(HttpRouteMatch.Request.probe("/admin/health", "identity.test")).orElseThrow();

        assertThat(root.clusters()).extracting(SidecarListeners.WeightedCluster::name).containsExactly("outbound|80||identity.test");
        assertThat(root.retry().tries()).isEqualTo(3);
        assertThat(admin.clusters()).extracting(SidecarListeners.WeightedCluster::name).containsExactly("outbound|80|admin|identity.test");
        assertThat(admin.retry().tries()).isEqualTo(6);
    }

    /** Every real capture's outbound HTTP routes (RDS): each virtual host's route for the probe's GET / is found. */
    @Test
    void shouldFindTheProbesRouteInEveryRealCapture() throws Exception {
        for (String capture : List.of("config_dump_istio1.9.1_envoy1.17.1_productpage.json",
                "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json", "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json")) {
            JsonNode dump = new ObjectMapper().readTree(Files.readString(Path.of("src/test/resources/envoy-real", capture)));
            int hosts = 0;
            for (JsonNode config : dump.findValues("dynamic_route_configs").stream()
                    .flatMap(a -> java.util.stream.StreamSupport.stream(a.spliterator(), false)).map(e -> e.path("route_config")).toList()) {
                for (SidecarListeners.VirtualHost v : ConfigDumpParser.routeConfigOf(config).virtualHosts()) {
                    Optional<SidecarListeners.HttpRoute> r = v.routeFor(HttpRouteMatch.Request.probe("/", v.domains().get(0)));
                    assertThat(r).as(capture + " " + v.domains()).isPresent();
                    hosts++;
                }
            }
            assertThat(hosts).as(capture).isPositive();
        }
    }
}
