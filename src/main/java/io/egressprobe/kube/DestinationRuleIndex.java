package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The DestinationRule that applies to a host for a proxy, as istiod decides it (istio/istio, pilot/pkg/model):
 * <ul>
 * <li>{@code PushContext.setDestinationRules} (push_context.go) indexes the rules, sorted as
 *     {@code sortConfigBySelectorAndCreationTime} sorts them (rules with a {@code workloadSelector} first, then the
 *     oldest {@code creationTimestamp}, then name, then namespace): per namespace the rules visible there
 *     ({@code exportTo} empty, {@code *}, {@code .} or the namespace), per namespace the exported ones (not private:
 *     {@code exportTo} is not just {@code .} or the own namespace, and an empty {@code exportTo} is private only where
 *     the mesh's {@code defaultDestinationRuleExportTo} says {@code .}), and the root namespace's private ones. A rule
 *     with a {@code workloadSelector} is private to its namespace.</li>
 * <li>{@code PushContext.mergeDestinationRule} (destination_rule.go) merges same-host rules of one index: subsets are
 *     concatenated, the top-level {@code trafficPolicy} is the first one's that has one (the oldest), rules whose
 *     {@code exportTo} or selectors differ stay apart ({@code ENABLE_ENHANCED_DESTINATIONRULE_MERGE}, on by default).</li>
 * <li>{@code PushContext.destinationRule} (push_context.go) looks a host up: the proxy's namespace (its local index;
 *     for a proxy in the root namespace, the root's private rules), then the service's namespace (exported rules the
 *     proxy's namespace may see), then the root namespace (likewise); never a fourth. Each by
 *     {@code MostSpecificHostMatch} (config.go): the exact host, else the most specific wildcard.</li>
 * <li>{@code SidecarScope.DestinationRule} (sidecar.go) picks one of the merged rules: a selector rule of the proxy's
 *     own namespace whose labels the proxy carries, else the last rule without a selector.</li>
 * </ul>
 * Pure, over the resources' specs; built once per read of the rules.
 */
public final class DestinationRuleIndex {
    /** Istio's default {@code meshConfig.rootNamespace}. */
    public static final String DEFAULT_ROOT_NAMESPACE = "istio-system";
    /** Istio's default cluster domain ({@code config.Meta.Domain} of Kubernetes resources). */
    public static final String DEFAULT_DOMAIN = "cluster.local";

    /** The mesh config's part in it: {@code rootNamespace} and {@code defaultDestinationRuleExportTo} (empty: {@code *}). */
    public record Mesh(String rootNamespace, Set<String> defaultExportTo) {
        public static final Mesh DEFAULT = new Mesh(DEFAULT_ROOT_NAMESPACE, Set.of());

        public Mesh {
            defaultExportTo = Set.copyOf(defaultExportTo);
        }
    }

    /**
     * Same-host rules of one namespace merged into one ({@code ConsolidatedDestRule}).
     *
     * @param first         the rule it started from (its selector, its {@code exportTo})
     * @param trafficPolicy the top-level {@code trafficPolicy} in effect (missing where none of them sets one)
     * @param policyFrom    the rule that {@code trafficPolicy} comes from
     * @param from          every rule merged into it, {@code namespace/name}
     * @param subsetRules   each subset with its {@code trafficPolicy} and the rule that declares it; a later rule's
     *                      subset of a name already there is dropped, as {@code mergeDestinationRule} drops it
     */
    public record Merged(DestinationRules.Rule first, Set<String> exportTo, JsonNode trafficPolicy,
                         Optional<DestinationRules.Rule> policyFrom, List<String> subsets, List<String> from,
                         List<Subset> subsetRules) {
        Optional<Map<String, String>> selector() {
            return DestinationRuleIndex.selector(first);
        }

        /** The subset named {@code name}, where one of the merged rules declares it. */
        public Optional<Subset> subset(String name) {
            return subsetRules.stream().filter(s -> s.name().equals(name)).findFirst();
        }
    }

    /** A subset: its name, its {@code trafficPolicy} (missing where it sets none), the rule ({@code namespace/name}) declaring it. */
    public record Subset(String name, JsonNode trafficPolicy, String rule) {}

    /** The merged rules of one index, by resolved host. */
    private static final class Hosts {
        final Map<String, List<Merged>> byHost = new HashMap<>();
    }

    private final Mesh mesh;
    private final Map<String, Hosts> namespaceLocal = new HashMap<>();
    private final Map<String, Hosts> exportedByNamespace = new HashMap<>();
    private final Hosts rootNamespaceLocal = new Hosts();

    private DestinationRuleIndex(Mesh mesh) {
        this.mesh = mesh;
    }

    /** {@code setDestinationRules}. */
    public static DestinationRuleIndex of(List<DestinationRules.Rule> rules, Mesh mesh) {
        DestinationRuleIndex index = new DestinationRuleIndex(mesh);
        List<DestinationRules.Rule> sorted = new ArrayList<>(rules);
        sorted.sort(Comparator.comparing((DestinationRules.Rule r) -> selector(r).isEmpty())
                .thenComparing(DestinationRules.Rule::created).thenComparing(DestinationRules.Rule::name)
                .thenComparing(DestinationRules.Rule::namespace));
        for (DestinationRules.Rule r : sorted) {
            String host = resolveShortnameToFqdn(r.host(), r.namespace());
            Set<String> exportTo = new LinkedHashSet<>();
            if (selector(r).isEmpty()) {
                r.spec().path("exportTo").forEach(e -> exportTo.add(e.asText()));
            } else {
                exportTo.add("."); // destination rules with workloadSelector should not be exported
            }
            if (exportTo.isEmpty() || exportTo.contains("*") || exportTo.contains(".") || exportTo.contains(r.namespace())) {
                index.merge(index.namespaceLocal.computeIfAbsent(r.namespace(), n -> new Hosts()), r, host, exportTo);
            }
            boolean privateOnly = exportTo.isEmpty() && mesh.defaultExportTo().contains(".")
                    || exportTo.size() == 1 && (exportTo.contains(".") || exportTo.contains(r.namespace()));
            if (!privateOnly) {
                index.merge(index.exportedByNamespace.computeIfAbsent(r.namespace(), n -> new Hosts()), r, host, exportTo);
            } else if (r.namespace().equals(mesh.rootNamespace())) {
                index.merge(index.rootNamespaceLocal, r, host, exportTo);
            }
        }
        return index;
    }

    /** {@code mergeDestinationRule}, with {@code ENABLE_ENHANCED_DESTINATIONRULE_MERGE} on (Istio's default). */
    private void merge(Hosts into, DestinationRules.Rule r, String host, Set<String> exportTo) {
        List<Merged> list = into.byHost.get(host);
        if (list == null) {
            into.byHost.put(host, new ArrayList<>(List.of(converted(r, exportTo))));
            return;
        }
        boolean appendSeparately = true;
        for (int i = 0; i < list.size(); i++) {
            Merged m = list.get(i);
            if (exportTo.equals(m.exportTo())) {
                appendSeparately = false;
            } else if (!m.exportTo().isEmpty() && exportTo.containsAll(m.exportTo())) {
                appendSeparately = true; // merge, and also stand alone
            } else {
                appendSeparately = true;
                continue;
            }
            Optional<Map<String, String>> own = selector(r);
            boolean bothWithout = own.isEmpty() && m.selector().isEmpty();
            boolean bothWith = own.isPresent() && m.selector().isPresent();
            boolean selectorsMatch = own.orElse(Map.of()).equals(m.selector().orElse(Map.of()));
            if (bothWith && !selectorsMatch) {
                appendSeparately = true;
                continue;
            }
            if (bothWithout || bothWith) {
                appendSeparately = false;
            }
            List<String> subsets = new ArrayList<>(m.subsets());
            List<Subset> subsetRules = new ArrayList<>(m.subsetRules());
            for (JsonNode subset : r.spec().path("subsets")) {
                if (!subsets.contains(subset.path("name").asText())) {
                    subsets.add(subset.path("name").asText());
                    subsetRules.add(subset(subset, r));
                }
            }
            List<String> from = new ArrayList<>(m.from());
            from.add(r.id());
            boolean takePolicy = m.trafficPolicy().isMissingNode() && r.spec().has("trafficPolicy");
            list.set(i, new Merged(m.first(), m.exportTo(), takePolicy ? r.spec().get("trafficPolicy") : m.trafficPolicy(),
                    takePolicy ? Optional.of(r) : m.policyFrom(), List.copyOf(subsets), List.copyOf(from), List.copyOf(subsetRules)));
        }
        if (appendSeparately) {
            list.add(converted(r, exportTo));
        }
    }

    private static Merged converted(DestinationRules.Rule r, Set<String> exportTo) {
        List<String> subsets = new ArrayList<>();
        List<Subset> subsetRules = new ArrayList<>();
        r.spec().path("subsets").forEach(s -> {
            subsets.add(s.path("name").asText());
            subsetRules.add(subset(s, r));
        });
        JsonNode policy = r.spec().has("trafficPolicy") ? r.spec().get("trafficPolicy") : MissingNode.getInstance();
        return new Merged(r, Set.copyOf(exportTo), policy, policy.isMissingNode() ? Optional.empty() : Optional.of(r),
                List.copyOf(subsets), List.of(r.id()), List.copyOf(subsetRules));
    }

    private static Subset subset(JsonNode subset, DestinationRules.Rule r) {
        return new Subset(subset.path("name").asText(), subset.path("trafficPolicy"), r.id());
    }

    /**
     * {@code PushContext.destinationRule}: the merged rules for {@code host} that a proxy in {@code proxyNamespace}
     * sees; empty where none.
     *
     * @param serviceNamespace where the service lives (the ServiceEntry's namespace, a Kubernetes Service's); empty where
     *                         it is not known, and the service's namespace is then not searched
     */
    public List<Merged> lookup(String proxyNamespace, String host, Optional<String> serviceNamespace) {
        if (!proxyNamespace.equals(mesh.rootNamespace())) {
            Hosts local = namespaceLocal.get(proxyNamespace);
            if (local != null) {
                Optional<List<Merged>> found = mostSpecificHostMatch(host, local.byHost);
                if (found.isPresent()) {
                    return found.get();
                }
            }
        } else {
            Optional<List<Merged>> found = mostSpecificHostMatch(host, rootNamespaceLocal.byHost);
            if (found.isPresent()) {
                return found.get();
            }
        }
        if (serviceNamespace.isPresent()) {
            List<Merged> out = exported(serviceNamespace.get(), host, proxyNamespace);
            if (!out.isEmpty()) {
                return out;
            }
        }
        return exported(mesh.rootNamespace(), host, proxyNamespace);
    }

    /** {@code getExportedDestinationRuleFromNamespace}. */
    private List<Merged> exported(String owningNamespace, String host, String clientNamespace) {
        Hosts hosts = exportedByNamespace.get(owningNamespace);
        if (hosts == null) {
            return List.of();
        }
        return mostSpecificHostMatch(host, hosts.byHost).orElse(List.of()).stream()
                .filter(m -> m.exportTo().isEmpty() || m.exportTo().contains("*") || m.exportTo().contains(clientNamespace))
                .toList();
    }

    /**
     * {@code SidecarScope.DestinationRule} for outbound traffic: the selector rule of the proxy's own namespace whose
     * labels the proxy carries, else the last one without a selector.
     *
     * @param proxyLabels the proxy's pod labels; empty where they are not known, and then no selector rule applies
     */
    public Optional<Merged> forProxy(String proxyNamespace, Optional<Map<String, String>> proxyLabels, String host,
                                     Optional<String> serviceNamespace) {
        Merged catchAll = null;
        for (Merged m : lookup(proxyNamespace, host, serviceNamespace)) {
            Optional<Map<String, String>> selector = m.selector();
            if (selector.isEmpty()) {
                catchAll = m;
            } else if (proxyNamespace.equals(m.first().namespace()) && proxyLabels.isPresent()
                    && proxyLabels.get().entrySet().containsAll(selector.get().entrySet())) {
                return Optional.of(m);
            }
        }
        return Optional.ofNullable(catchAll);
    }

    /**
     * {@code MostSpecificHostMatch} (pilot/pkg/model/config.go): the exact host, else the wildcard most specific by
     * {@code host.MoreSpecific} (longest; between equals, the alphabetically first). A wildcard needle matches wildcards only.
     */
    static <V> Optional<V> mostSpecificHostMatch(String needle, Map<String, V> byHost) {
        boolean wildcardNeedle = needle.startsWith("*");
        V exact = byHost.get(needle);
        if (exact != null) {
            return Optional.of(exact);
        }
        String suffixOf = wildcardNeedle ? needle.substring(1) : needle;
        String best = null;
        for (String h : new TreeMap<>(byHost).keySet()) {
            if (h.startsWith("*") && suffixOf.endsWith(h.substring(1))
                    && (best == null || h.length() > best.length() || h.length() == best.length() && h.compareTo(best) < 0)) {
                best = h;
            }
        }
        return Optional.ofNullable(best).map(byHost::get);
    }

    /**
     * {@code ResolveShortnameToFQDN} (pilot/pkg/model/config.go): a name without a dot is a Kubernetes Service of the
     * rule's namespace; {@code *}, an address and a name with a dot stay as written.
     */
    static String resolveShortnameToFqdn(String host, String namespace) {
        if (host.isEmpty() || host.equals("*") || host.contains(".") || host.contains(":")) {
            return host;
        }
        return host + "." + namespace + ".svc." + DEFAULT_DOMAIN;
    }

    /** The namespace of a Kubernetes Service's name ({@code <name>.<namespace>.svc.cluster.local}); empty for others. */
    public static Optional<String> kubernetesServiceNamespace(String host) {
        String suffix = ".svc." + DEFAULT_DOMAIN;
        if (!host.endsWith(suffix)) {
            return Optional.empty();
        }
        String[] labels = host.substring(0, host.length() - suffix.length()).split("\\.");
        return labels.length == 2 ? Optional.of(labels[1]) : Optional.empty();
    }

    static Optional<Map<String, String>> selector(DestinationRules.Rule r) {
        JsonNode selector = r.spec().path("workloadSelector");
        if (!selector.isObject()) {
            return Optional.empty();
        }
        Map<String, String> labels = new TreeMap<>();
        selector.path("matchLabels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
        return Optional.of(labels);
    }
}
