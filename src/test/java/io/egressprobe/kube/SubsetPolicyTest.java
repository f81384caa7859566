package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A subset cluster's policy, {@link DestinationRules#subsetPolicy}, with the cases of istio/istio
 * {@code pilot/pkg/networking/util/util_test.go}, {@code TestMergeSubsetTrafficPolicy} (written here as YAML; a port of
 * 0 stands for Istio's nil port, which no port-level entry matches).
 */
class SubsetPolicyTest {
    static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    static JsonNode policy(String yaml) throws IOException {
        return yaml.equals("nil") ? MissingNode.getInstance() : YAML.readTree(yaml.replace(';', '\n'));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            "all nil policies | nil | nil | 0 | nil",
            "no subset policy | {connectionPool: {http: {maxRetries: 10}}} | nil | 0 | {connectionPool: {http: {maxRetries: 10}}}",
            "no parent policy | nil | {connectionPool: {http: {maxRetries: 10}}} | 0 | {connectionPool: {http: {maxRetries: 10}}}",
            "merge non-conflicting fields | {tls: {mode: ISTIO_MUTUAL}} | {connectionPool: {http: {maxRetries: 10}}, tunnel: {targetHost: example.com, targetPort: 8443}}"
                    + " | 0 | {tls: {mode: ISTIO_MUTUAL}, connectionPool: {http: {maxRetries: 10}}, tunnel: {targetHost: example.com, targetPort: 8443}}",
            "subset overwrite top-level fields | {tls: {mode: ISTIO_MUTUAL}, connectionPool: {http: {maxRetries: 10}}} | {tls: {mode: SIMPLE}}"
                    + " | 0 | {tls: {mode: SIMPLE}, connectionPool: {http: {maxRetries: 10}}}",
            "merge port level policy, and do not inherit top-level fields (no parent) | nil"
                    + " | {loadBalancer: {simple: ROUND_ROBIN}, connectionPool: {http: {maxRetries: 10}}, portLevelSettings: [{port: {number: 8080}, loadBalancer: {simple: LEAST_REQUEST}}]}"
                    + " | 8080 | {loadBalancer: {simple: LEAST_REQUEST}}",
            "merge port level policy, and do not inherit top-level fields"
                    + " | {loadBalancer: {simple: ROUND_ROBIN}, outlierDetection: {consecutiveErrors: 20}, portLevelSettings: [{port: {number: 8080}, outlierDetection: {consecutiveErrors: 15}}]}"
                    + " | {loadBalancer: {simple: ROUND_ROBIN}, connectionPool: {http: {maxRetries: 10}}, portLevelSettings: [{port: {number: 8080}, outlierDetection: {consecutiveErrors: 13}}]}"
                    + " | 8080 | {outlierDetection: {consecutiveErrors: 13}}",
            "top-level retryBudget is preserved when subset has a traffic policy"
                    + " | {connectionPool: {http: {maxRetries: 10}}, retryBudget: {minRetryConcurrency: 5}} | {connectionPool: {http: {http2MaxRequests: 1000}}}"
                    + " | 0 | {connectionPool: {http: {http2MaxRequests: 1000}}, retryBudget: {minRetryConcurrency: 5}}",
            "subset-level retryBudget overrides top-level retryBudget | {retryBudget: {minRetryConcurrency: 3}} | {retryBudget: {minRetryConcurrency: 10}}"
                    + " | 0 | {retryBudget: {minRetryConcurrency: 10}}",
            // the egress gateway TLS origination shape: the subset's port entry sets the pool and keeps its tls
            "subset port entry's connect timeout over the rule's top level | {connectionPool: {tcp: {connectTimeout: 5s}}, portLevelSettings: [{port: {number: 443}, tls: {mode: SIMPLE}}]}"
                    + " | {portLevelSettings: [{port: {number: 443}, connectionPool: {tcp: {connectTimeout: 1s}}, tls: {mode: SIMPLE}}]}"
                    + " | 443 | {connectionPool: {tcp: {connectTimeout: 1s}}, tls: {mode: SIMPLE}}",
            // a subset's port entry without connectionPool drops the rule's: it falls back to the default, not to the rule
            "subset port entry without a pool drops the rule's connect timeout | {connectionPool: {tcp: {connectTimeout: 5s}}}"
                    + " | {portLevelSettings: [{port: {number: 443}, tls: {mode: SIMPLE}}]} | 443 | {tls: {mode: SIMPLE}}"})
    void shouldMergeTheSubsetsPolicyAsIstioDoes(String name, String rule, String subset, int port, String expected) throws IOException {
        JsonNode merged = DestinationRules.subsetPolicy(policy(rule), policy(subset), port).policy();

        assertThat(merged).isEqualTo(policy(expected));
    }
}
