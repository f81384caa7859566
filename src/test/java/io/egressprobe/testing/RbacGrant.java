package io.egressprobe.testing;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding;
import io.fabric8.kubernetes.api.model.rbac.PolicyRule;
import io.fabric8.kubernetes.api.model.rbac.Role;
import io.fabric8.kubernetes.api.model.rbac.RoleBinding;
import io.fabric8.kubernetes.api.model.rbac.RoleRef;
import io.fabric8.kubernetes.api.model.rbac.Subject;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * What a set of rendered RBAC objects lets one ServiceAccount do, decided as the API server's RBAC authorizer does.
 *
 * <p>Which rules apply to a request: kubernetes' {@code pkg/registry/rbac/validation/rule.go},
 * {@code DefaultRuleResolver.VisitRulesFor}: the rules of every ClusterRole bound to the subject by a
 * ClusterRoleBinding, and, for a request in a namespace, those of every Role or ClusterRole a RoleBinding in that
 * namespace binds to it. Whether a rule allows it: {@code plugin/pkg/auth/authorizer/rbac/rbac.go}, {@code RuleAllows},
 * with {@code pkg/apis/rbac/v1/evaluation_helpers.go} ({@code VerbMatches}, {@code APIGroupMatches},
 * {@code ResourceMatches} with {@code resource/subresource} and {@code * /subresource}, {@code ResourceNameMatches}: no
 * names means every name). Deny by default.
 */
public final class RbacGrant {
    /** One rule with where it applies: {@code cluster} (a ClusterRoleBinding) or a namespace (a RoleBinding). */
    public record ScopedRule(String scope, PolicyRule rule) {}

    private final List<ScopedRule> rules;

    private RbacGrant(List<ScopedRule> rules) {
        this.rules = List.copyOf(rules);
    }

    /** The rules the documents bind to ServiceAccount {@code namespace/name}. */
    public static RbacGrant of(Collection<HasMetadata> docs, String namespace, String name) {
        Predicate<List<Subject>> boundToIt = subjects -> subjects != null && subjects.stream().anyMatch(s ->
                "ServiceAccount".equals(s.getKind()) && name.equals(s.getName()) && namespace.equals(s.getNamespace()));
        List<ScopedRule> rules = new ArrayList<>();
        for (HasMetadata d : docs) {
            if (d instanceof ClusterRoleBinding b && boundToIt.test(b.getSubjects())) {
                rulesOf(docs, b.getRoleRef(), "").forEach(r -> rules.add(new ScopedRule("cluster", r)));
            } else if (d instanceof RoleBinding b && boundToIt.test(b.getSubjects())) {
                String ns = b.getMetadata().getNamespace();
                rulesOf(docs, b.getRoleRef(), ns).forEach(r -> rules.add(new ScopedRule(ns, r)));
            }
        }
        return new RbacGrant(rules);
    }

    /** The same grant without one verb on one resource (to see what the daemon does with less). */
    public RbacGrant without(String apiGroup, String resource, String verb) {
        List<ScopedRule> fewer = new ArrayList<>();
        for (ScopedRule r : rules) {
            PolicyRule rule = r.rule();
            if (rule.getApiGroups().contains(apiGroup) && rule.getResources().contains(resource) && rule.getVerbs().contains(verb)) {
                List<String> verbs = new ArrayList<>(rule.getVerbs());
                verbs.remove(verb);
                if (verbs.isEmpty()) {
                    continue;
                }
                rule = new io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder(rule).withVerbs(verbs).build();
            }
            fewer.add(new ScopedRule(r.scope(), rule));
        }
        return new RbacGrant(fewer);
    }

    /** The API server's decision: some applicable rule allows it. */
    public boolean allows(ApiRequest request) {
        return rules.stream().anyMatch(r -> (r.scope().equals("cluster")
                || !request.namespace().isEmpty() && r.scope().equals(request.namespace())) && ruleAllows(r.rule(), request));
    }

    /**
     * Every (scope, apiGroup/resource, verb) granted: the vocabulary {@link #permission} maps requests into, so that
     * the two sets compare. Resource names stay out: a rule with names is one permission on the resource.
     */
    public Set<String> permissions() {
        Set<String> granted = new TreeSet<>();
        for (ScopedRule r : rules) {
            for (String group : r.rule().getApiGroups()) {
                for (String resource : r.rule().getResources()) {
                    for (String verb : r.rule().getVerbs()) {
                        granted.add(r.scope() + " " + group + "/" + resource + " " + verb);
                    }
                }
            }
        }
        return granted;
    }

    /**
     * A request as a permission: a request in a namespace needs a Role there; one across namespaces a ClusterRole. A
     * Namespace object's own request (the API server gives it that namespace, {@code requestinfo.go}) is read for
     * namespaces the daemon learns at run time (its discovered ServiceEntries'), which no Role written in advance can
     * name: only a ClusterRole grants it, so it is that permission.
     */
    public static String permission(ApiRequest request) {
        boolean namespaceObject = request.apiGroup().isEmpty() && request.resource().equals("namespaces");
        return (request.namespace().isEmpty() || namespaceObject ? "cluster" : request.namespace()) + " "
                + request.apiGroup() + "/"
                + request.combinedResource() + " " + request.verb();
    }

    public List<ScopedRule> rules() {
        return rules;
    }

    private static List<PolicyRule> rulesOf(Collection<HasMetadata> docs, RoleRef ref, String bindingNamespace) {
        Optional<List<PolicyRule>> found = docs.stream().filter(d -> d.getMetadata().getName().equals(ref.getName()))
                .filter(d -> ref.getKind().equals("ClusterRole") ? d instanceof ClusterRole
                        : d instanceof Role && bindingNamespace.equals(d.getMetadata().getNamespace()))
                .findFirst().map(d -> d instanceof ClusterRole cr ? cr.getRules() : ((Role) d).getRules());
        return found.orElse(List.of()); // a binding to a missing role grants nothing
    }

    static boolean ruleAllows(PolicyRule rule, ApiRequest request) {
        if (!request.resourceRequest()) {
            return false; // the daemon makes no non-resource request; nonResourceURLs are never granted here
        }
        return matches(rule.getVerbs(), request.verb()) && matches(rule.getApiGroups(), request.apiGroup())
                && resourceMatches(rule.getResources(), request.combinedResource(), request.subresource())
                && (rule.getResourceNames() == null || rule.getResourceNames().isEmpty()
                        || rule.getResourceNames().contains(request.name()));
    }

    private static boolean matches(List<String> ruleValues, String requested) {
        return ruleValues != null && (ruleValues.contains("*") || ruleValues.contains(requested));
    }

    private static boolean resourceMatches(List<String> ruleResources, String combined, String subresource) {
        if (ruleResources == null) {
            return false;
        }
        for (String r : ruleResources) {
            if (r.equals("*") || r.equals(combined)
                    || !subresource.isEmpty() && r.length() == subresource.length() + 2 && r.startsWith("*/") && r.endsWith(subresource)) {
                return true;
            }
        }
        return false;
    }
}
