package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.GoDuration;
import io.egressprobe.route.HttpRetry;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A route's {@code retry_policy} as it concerns a connect that failed, read as Envoy reads it. Pure.
 *
 * <ul>
 *   <li>The route's own policy wins, else its virtual host's, else none (envoyproxy/envoy
 *       {@code source/common/router/config_impl.cc}, {@code RouteEntryImplBase::buildRetryPolicy}).</li>
 *   <li>{@code num_retries} defaults to 1 where a policy is set ({@code RetryPolicyImpl}).</li>
 *   <li>A connect failure or timeout is retried under {@code connect-failure}, and as any reset under {@code reset},
 *       {@code reset-before-request} (nothing was sent yet), {@code 5xx} and {@code gateway-error}
 *       ({@code source/common/router/retry_state_impl.cc}, {@code RetryStateImpl::wouldRetryFromReset}); an upstream
 *       503 under {@code 5xx}, {@code gateway-error}, or {@code retriable-status-codes} listing 503
 *       ({@code wouldRetryFromHeaders}).</li>
 *   <li>The back-off before retry k is drawn below {@code min(base × 2^(k−1), max)}, base 25 ms and max ten times
 *       base unless {@code retry_back_off} says ({@code RetryStateImpl::RetryStateImpl};
 *       {@code source/common/common/backoff_strategy.cc}, {@code JitteredExponentialBackOffStrategy::nextBackOffMs}).</li>
 * </ul>
 * Istio gives every outbound HTTP route {@code num_retries: 2} with {@code connect-failure} and 503 retriable
 * (istio/istio {@code pilot/pkg/networking/core/route/retry/retry.go}, {@code DefaultPolicy}) unless a
 * VirtualService's {@code retries} says otherwise; the dump says which.
 */
final class RetryPolicies {
    private static final Set<String> RETRY_A_FAILED_CONNECT =
            Set.of("connect-failure", "reset", "reset-before-request", "5xx", "gateway-error");
    private static final Duration BASE_INTERVAL = Duration.ofMillis(25);

    private RetryPolicies() {}

    /**
     * @param routeAction the route's {@code route} action
     * @param virtualHost the virtual host the route is in
     */
    static HttpRetry of(JsonNode routeAction, JsonNode virtualHost) {
        JsonNode policy = Json.field(routeAction, "retry_policy");
        if (policy.isMissingNode()) {
            policy = Json.field(virtualHost, "retry_policy");
        }
        if (policy.isMissingNode()) {
            return HttpRetry.NONE;
        }
        List<String> retryOn = Arrays.stream(Json.text(policy, "retry_on").split(",")).map(String::trim).toList();
        if (retryOn.stream().noneMatch(RETRY_A_FAILED_CONNECT::contains)) {
            return HttpRetry.NONE;
        }
        JsonNode n = Json.field(policy, "num_retries");
        int retries = n.isMissingNode() ? 1 : n.isObject() ? n.path("value").asInt(1) : n.asInt(1);
        boolean retries503 = retryOn.contains("5xx") || retryOn.contains("gateway-error")
                || retryOn.contains("retriable-status-codes") && listed503(Json.field(policy, "retriable_status_codes"));
        return new HttpRetry(1 + Math.max(0, retries), backOff(Json.field(policy, "retry_back_off"), retries), retries503);
    }

    private static boolean listed503(JsonNode codes) {
        for (JsonNode code : codes) {
            if (code.asInt() == 503) {
                return true;
            }
        }
        return false;
    }

    /** The most the back-off before {@code retries} retries can add up to. */
    static Duration backOff(JsonNode retryBackOff, int retries) {
        String base = Json.text(retryBackOff, "base_interval");
        String max = Json.text(retryBackOff, "max_interval");
        Duration b = base.isEmpty() ? BASE_INTERVAL : GoDuration.parse(base);
        Duration m = max.isEmpty() ? b.multipliedBy(10) : GoDuration.parse(max);
        Duration total = Duration.ZERO;
        Duration interval = b;
        for (int k = 0; k < retries; k++) {
            Duration drawnBelow = interval.compareTo(m) < 0 ? interval : m;
            total = total.plus(drawnBelow);
            interval = drawnBelow.multipliedBy(2);
        }
        return total;
    }
}
