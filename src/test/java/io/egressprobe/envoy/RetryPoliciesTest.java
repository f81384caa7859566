package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.route.HttpRetry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * Which retry policies retry a connect that failed, with the cases of envoyproxy/envoy
 * {@code test/common/router/retry_state_impl_test.cc} ({@code RouterRetryStateImplTest}) that decide it, named after
 * them (and the branch of {@code RetryStateImpl::wouldRetryFromReset} where no test names it), and on every real capture.
 */
class RetryPoliciesTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(String text) throws Exception {
        return JSON.readTree(text.replace('\'', '"'));
    }

    @ParameterizedTest(name = "{0}: retry_on {1} -> tries {2}, retries a 503 {3}")
    @CsvSource(delimiter = '|', value = {
            "PolicyConnectFailureResetConnectFailure             | connect-failure | 2 | false",
            "Policy5xxRemoteReset, Policy5xxRemote503             | 5xx | 2 | true",
            "PolicyGatewayErrorRemoteReset, ...Remote503          | gateway-error | 2 | true",
            "wouldRetryFromReset: RETRY_ON_RESET                  | reset | 2 | false",
            "wouldRetryFromReset: RESET_BEFORE_REQUEST, not sent  | reset-before-request | 2 | false",
            "PolicyRefusedStream: a refused stream only           | refused-stream | 1 | false",
            "PolicyRetriable4xxReset                              | retriable-4xx | 1 | false",
            "RetriableStatusCodesUpstreamReset                    | retriable-status-codes | 1 | false"})
    void shouldRetryAFailedConnectOnlyWhereEnvoyDoes(String envoyCase, String retryOn, int tries, boolean retries503) throws Exception {
        HttpRetry retry = RetryPolicies.of(json("{'retry_policy': {'retry_on': '" + retryOn + "'}}"), json("{}"));

        assertThat(retry.tries()).as(envoyCase + ": num_retries defaults to 1").isEqualTo(tries);
        assertThat(retry.retries503()).isEqualTo(retries503);
    }

    @Test
    void shouldTakeTheRoutesPolicyOverTheVirtualHostsAndTheVirtualHostsWhereTheRouteHasNone() throws Exception {
        JsonNode vhost = json("{'retry_policy': {'retry_on': 'connect-failure', 'num_retries': 4}}");

        assertThat(RetryPolicies.of(json("{'retry_policy': {'retry_on': 'refused-stream'}}"), vhost)).isEqualTo(HttpRetry.NONE);
        assertThat(RetryPolicies.of(json("{}"), vhost).tries()).isEqualTo(5);
        assertThat(RetryPolicies.of(json("{}"), json("{}"))).isEqualTo(HttpRetry.NONE);
    }

    /** The back-off before retry k is below min(base × 2^(k−1), max): 25 + 50 ms for Istio's two retries. */
    @Test
    void shouldAddUpTheLongestBackOffAsEnvoyDrawsIt() throws Exception {
        assertThat(RetryPolicies.backOff(json("{}"), 2)).isEqualTo(Duration.ofMillis(75));
        assertThat(RetryPolicies.backOff(json("{'base_interval': '0.100s', 'max_interval': '0.150s'}"), 3))
                .isEqualTo(Duration.ofMillis(100 + 150 + 150));
        assertThat(RetryPolicies.backOff(json("{}"), 1000)).as("capped, no overflow").isEqualTo(Duration.ofMillis(25 + 50 + 100 + 200 + 250L * 996));
    }

    /** Every real capture's outbound HTTP routes carry Istio's default: three tries, 503 retried. */
    @ParameterizedTest
    @ValueSource(strings = {"config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json", "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json"})
    void shouldReadIstiosDefaultFromEveryRealCapture(String capture) throws Exception {
        JsonNode dump = JSON.readTree(Files.readString(Path.of("src/test/resources/envoy-real", capture)));
        List<HttpRetry> retries = new ArrayList<>();
        for (JsonNode vhost : dump.findValues("virtual_hosts").stream().flatMap(v -> iterable(v).stream()).toList()) {
            for (JsonNode route : vhost.path("routes")) {
                if (route.path("route").has("retry_policy")) {
                    retries.add(RetryPolicies.of(route.path("route"), vhost));
                }
            }
        }

        assertThat(retries).isNotEmpty().allMatch(r -> r.equals(new HttpRetry(3, Duration.ofMillis(75), true)));
    }

    private static List<JsonNode> iterable(JsonNode array) {
        List<JsonNode> out = new ArrayList<>();
        array.forEach(out::add);
        return out;
    }
}
