package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.GoDuration;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The connect timeout DestinationRules set for a host and port, with Istio's semantics: a
 * {@code portLevelSettings} entry for the port replaces the whole traffic policy for that port, so an
 * entry without {@code connectionPool} sets no timeout even when the top level does; without an entry,
 * the top-level {@code connectionPool.tcp.connectTimeout} applies. Pure, over the resources' specs.
 */
public final class DestinationRules {
    /** A DestinationRule's namespace and spec. */
    public record Rule(String namespace, String name, JsonNode spec) {}

    private DestinationRules() {}

    /**
     * @param preferredNamespace where the probe runs: Istio lets a client's own namespace win, so its
     *                           rules are preferred over other namespaces' (then by namespace and name)
     */
    public static Optional<Duration> connectTimeout(List<Rule> rules, String host, int port, String preferredNamespace) {
        return rules.stream()
                .filter(r -> host.equals(r.spec().path("host").asText()))
                .min(Comparator.comparing((Rule r) -> !r.namespace().equals(preferredNamespace))
                        .thenComparing(Rule::namespace).thenComparing(Rule::name))
                .flatMap(r -> forPort(r.spec().path("trafficPolicy"), port));
    }

    static Optional<Duration> forPort(JsonNode policy, int port) {
        for (JsonNode level : policy.path("portLevelSettings")) {
            if (level.path("port").path("number").asInt(-1) == port) {
                return timeoutOf(level);
            }
        }
        return timeoutOf(policy);
    }

    private static Optional<Duration> timeoutOf(JsonNode policy) {
        JsonNode value = policy.path("connectionPool").path("tcp").path("connectTimeout");
        return value.isTextual() ? Optional.of(GoDuration.parse(value.asText())) : Optional.empty();
    }
}
