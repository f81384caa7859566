package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import io.egressprobe.measure.GoDuration;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a DestinationRule sets for a port, with Istio's semantics. Which rule applies is {@link DestinationRuleIndex}'s
 * question. A {@code portLevelSettings} entry for the port replaces the whole traffic policy for that port (istio/istio
 * {@code pilot/pkg/networking/util/util.go}, {@code GetPortLevelTrafficPolicy}: "port level policies do not inherit and
 * instead to defaults if not provided"), so an entry without {@code connectionPool} sets no timeout even when the top
 * level does; without an entry, the top-level {@code connectionPool.tcp.connectTimeout} applies. Pure, over the specs.
 */
public final class DestinationRules {
    private static final Set<String> ORIGINATING = Set.of("SIMPLE", "MUTUAL", "ISTIO_MUTUAL");

    /**
     * A DestinationRule's namespace, name, creation time and spec.
     *
     * @param created its {@code metadata.creationTimestamp} (Istio merges same-host rules oldest first); {@link Instant#EPOCH}
     *                where not known, as Go's zero time sorts first
     */
    public record Rule(String namespace, String name, JsonNode spec, Instant created) {
        public Rule(String namespace, String name, JsonNode spec) {
            this(namespace, name, spec, Instant.EPOCH);
        }

        public String id() {
            return namespace + "/" + name;
        }

        String host() {
            return spec.path("host").asText();
        }
    }

    private DestinationRules() {}

    /**
     * The connect timeout the rule Istio applies to {@code host} sets for {@code port}, for a proxy in
     * {@code proxyNamespace}, in a default mesh (root namespace {@code istio-system}), the service's namespace known only
     * for Kubernetes Service names, no workload labels.
     */
    public static Optional<Duration> connectTimeout(List<Rule> rules, String host, int port, String proxyNamespace) {
        return DestinationRuleIndex.of(rules, DestinationRuleIndex.Mesh.DEFAULT)
                .forProxy(proxyNamespace, Optional.empty(), host, DestinationRuleIndex.kubernetesServiceNamespace(host))
                .flatMap(r -> connectTimeout(r.trafficPolicy(), port));
    }

    /** The connect timeout a rule's top-level {@code trafficPolicy} (as merged) sets for {@code port}. */
    public static Optional<Duration> connectTimeout(JsonNode trafficPolicy, int port) {
        return timeoutOf(policyFor(trafficPolicy, port));
    }

    /**
     * Where the connect timeout of an outbound cluster comes from with Istio 1.31's mesh-wide baseline, for
     * {@code port}: istio/istio {@code pilot/pkg/networking/core/cluster_traffic_policy.go}, {@code applyDefaultTrafficPolicy}
     * (called by {@code ClusterBuilder.applyDestinationRule}, cluster_builder.go), then {@code applyConnectionPool}. The
     * rule's policy for the port ({@code GetPortLevelTrafficPolicy}); where it has no {@code connectionPool}, the mesh's
     * {@code defaultTrafficPolicy.connectionPool} takes its place whole (a rule that sets a {@code connectionPool} of its
     * own, even without {@code tcp.connectTimeout}, keeps none of the baseline's); then that pool's
     * {@code tcp.connectTimeout}, else the mesh's {@code connectTimeout} ({@code applyDefaultConnectionPool}). Istio
     * before 1.31 has no baseline: pass none.
     *
     * @param trafficPolicy           the applying rule's top-level {@code trafficPolicy} (as merged), where a rule applies
     * @param meshDefaultConnectTimeout {@code defaultTrafficPolicy.connectionPool.tcp.connectTimeout} of the mesh config
     * @return the timeout and whether the rule set it; empty where neither pool sets one (the mesh's {@code connectTimeout})
     */
    public static Optional<RuleOrBaseline> connectTimeout(Optional<JsonNode> trafficPolicy, int port,
                                                          Optional<Duration> meshDefaultConnectTimeout) {
        Optional<JsonNode> policy = trafficPolicy.map(p -> policyFor(p, port));
        if (policy.isPresent() && policy.get().has("connectionPool")) {
            return timeoutOf(policy.get()).map(t -> new RuleOrBaseline(t, true));
        }
        return meshDefaultConnectTimeout.map(t -> new RuleOrBaseline(t, false));
    }

    /** A connect timeout, set by the DestinationRule or else by the mesh's {@code defaultTrafficPolicy}. */
    public record RuleOrBaseline(Duration timeout, boolean fromRule) {}

    /** Whether the policy has the proxy open TLS to the host on {@code port} ({@code tls.mode} SIMPLE, MUTUAL, ISTIO_MUTUAL). */
    public static boolean originatesTls(JsonNode trafficPolicy, int port) {
        return ORIGINATING.contains(policyFor(trafficPolicy, port).path("tls").path("mode").asText());
    }

    /**
     * The policy of a subset's cluster for {@code port}: istio/istio {@code pilot/pkg/networking/util/util.go},
     * {@code MergeSubsetTrafficPolicy} (called by {@code ClusterBuilder.buildSubsetCluster}, cluster_builder.go), with
     * {@code pilot/pkg/model/destination_rule.go}, {@code MergeTrafficPolicy}. The rule's policy for the port
     * ({@code GetPortLevelTrafficPolicy}); where the subset has a policy, its own for the port over it: each of
     * {@code connectionPool}, {@code outlierDetection}, {@code loadBalancer}, {@code tls} the subset sets replaces the
     * rule's, and where the subset has a {@code portLevelSettings} entry for the port, that entry replaces all four
     * (a field it omits falls back to its default, not to the rule's); {@code tunnel}, {@code proxyProtocol},
     * {@code retryBudget} replace where set. Without a subset, the rule's policy for the port. Pure.
     *
     * @param rulePolicy   the rule's top-level {@code trafficPolicy} (missing where none)
     * @param subsetPolicy the subset's {@code trafficPolicy} (missing where none)
     * @return the merged policy, with no {@code portLevelSettings} left to choose from, and whether the subset's
     *         decided the {@code connectionPool}
     */
    public static SubsetPolicy subsetPolicy(JsonNode rulePolicy, JsonNode subsetPolicy, int port) {
        JsonNode original = portLevel(rulePolicy, port);
        if (subsetPolicy.isMissingNode() || subsetPolicy.isNull()) {
            return new SubsetPolicy(original, false);
        }
        JsonNode subset = portLevel(subsetPolicy, port);
        boolean hasPortLevel = subset != subsetPolicy;
        if (original.isMissingNode()) {
            return new SubsetPolicy(subset, true);
        }
        com.fasterxml.jackson.databind.node.ObjectNode merged = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (String f : List.of("connectionPool", "loadBalancer", "outlierDetection", "tls", "tunnel", "proxyProtocol", "retryBudget")) {
            if (original.has(f)) {
                merged.set(f, original.get(f));
            }
        }
        boolean subsetPool = subset.has("connectionPool") || hasPortLevel;
        for (String f : List.of("connectionPool", "outlierDetection", "loadBalancer", "tls")) {
            if (subset.has(f) || hasPortLevel) {
                merged.remove(f);
                if (subset.has(f)) {
                    merged.set(f, subset.get(f));
                }
            }
        }
        for (String f : List.of("tunnel", "proxyProtocol", "retryBudget")) {
            if (subset.has(f)) {
                merged.set(f, subset.get(f));
            }
        }
        return new SubsetPolicy(merged, subsetPool);
    }

    /**
     * {@code GetPortLevelTrafficPolicy}: the port's entry as a policy of its own ({@code shadowCopyPortTrafficPolicy}:
     * {@code connectionPool}, {@code loadBalancer}, {@code outlierDetection}, {@code tls}), else the policy itself.
     */
    private static JsonNode portLevel(JsonNode policy, int port) {
        JsonNode entry = policy.isMissingNode() ? policy : policyFor(policy, port);
        if (entry == policy) {
            return policy;
        }
        com.fasterxml.jackson.databind.node.ObjectNode copy = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
        for (String f : List.of("connectionPool", "loadBalancer", "outlierDetection", "tls")) {
            if (entry.has(f)) {
                copy.set(f, entry.get(f));
            }
        }
        return copy;
    }

    /** A subset cluster's policy, and whether the subset's own policy decided its {@code connectionPool}. */
    public record SubsetPolicy(JsonNode policy, boolean poolFromSubset) {}

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
