package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.GoDuration;
import io.egressprobe.route.Hosts;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The DestinationRule that applies to a host for a proxy in a namespace, and what it sets, with Istio's semantics.
 * Which rule: one visible to the proxy's namespace ({@code exportTo}: absent or {@code *} everywhere, {@code .} its own
 * namespace, {@code ~} nowhere, else the namespaces listed), looked up in the proxy's own namespace first, then in the
 * mesh's root namespace, then in the others; an exact host before a wildcard one, then by namespace and name.
 * What it sets: a {@code portLevelSettings} entry for the port replaces the whole traffic policy for that port, so an
 * entry without {@code connectionPool} sets no timeout even when the top level does; without an entry, the top-level
 * {@code connectionPool.tcp.connectTimeout} applies. Pure, over the resources' specs.
 */
public final class DestinationRules {
    /** Istio's default {@code rootNamespace}, where mesh-wide rules live. */
    public static final String ROOT_NAMESPACE = "istio-system";
    private static final Set<String> ORIGINATING = Set.of("SIMPLE", "MUTUAL", "ISTIO_MUTUAL");

    /** A DestinationRule's namespace and spec. */
    public record Rule(String namespace, String name, JsonNode spec) {
        public String id() {
            return namespace + "/" + name;
        }

        String host() {
            return spec.path("host").asText();
        }
    }

    private DestinationRules() {}

    /** The connect timeout the rule applying to {@code host} sets for {@code port}, for a proxy in {@code namespace}. */
    public static Optional<Duration> connectTimeout(List<Rule> rules, String host, int port, String namespace) {
        return applying(rules, host, namespace).flatMap(r -> connectTimeout(r, port));
    }

    public static Optional<Rule> applying(List<Rule> rules, String host, String namespace) {
        return rules.stream()
                .filter(r -> Hosts.matches(r.host(), host) && visibleIn(r, namespace))
                .min(Comparator.comparing((Rule r) -> tier(r, namespace))
                        .thenComparing(r -> r.host().startsWith("*"))
                        .thenComparing(r -> -r.host().length())
                        .thenComparing(Rule::namespace).thenComparing(Rule::name));
    }

    public static Optional<Duration> connectTimeout(Rule rule, int port) {
        return timeoutOf(policyFor(rule.spec().path("trafficPolicy"), port));
    }

    /** Whether the rule has the proxy open TLS to the host on {@code port} ({@code tls.mode} SIMPLE, MUTUAL, ISTIO_MUTUAL). */
    public static boolean originatesTls(Rule rule, int port) {
        return ORIGINATING.contains(policyFor(rule.spec().path("trafficPolicy"), port).path("tls").path("mode").asText());
    }

    static boolean visibleIn(Rule r, String namespace) {
        JsonNode exportTo = r.spec().path("exportTo");
        if (!exportTo.isArray() || exportTo.isEmpty()) {
            return true;
        }
        for (JsonNode to : exportTo) {
            String ns = to.asText();
            if (ns.equals("*") || ns.equals(namespace) || ns.equals(".") && r.namespace().equals(namespace)) {
                return true;
            }
        }
        return false;
    }

    private static int tier(Rule r, String namespace) {
        return r.namespace().equals(namespace) ? 0 : r.namespace().equals(ROOT_NAMESPACE) ? 1 : 2;
    }

    static JsonNode policyFor(JsonNode policy, int port) {
        for (JsonNode level : policy.path("portLevelSettings")) {
            if (level.path("port").path("number").asInt(-1) == port) {
                return level;
            }
        }
        return policy;
    }

    private static Optional<Duration> timeoutOf(JsonNode policy) {
        JsonNode value = policy.path("connectionPool").path("tcp").path("connectTimeout");
        return value.isTextual() ? Optional.of(GoDuration.parse(value.asText())) : Optional.empty();
    }
}
