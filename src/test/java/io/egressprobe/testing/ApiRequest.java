package io.egressprobe.testing;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A request to the Kubernetes API server as its authorizer sees it: the Kubernetes verb ({@code get}, {@code list},
 * {@code watch}, {@code create}, {@code patch}, ...), API group, namespace, resource, subresource and name.
 *
 * <p>Ported from kubernetes' {@code staging/src/k8s.io/apiserver/pkg/endpoints/request/requestinfo.go},
 * {@code RequestInfoFactory.NewRequestInfo} (API prefixes {@code api} and {@code apis}, {@code api} groupless, as the
 * API server configures it and {@code newTestRequestInfoResolver} in its test does): a GET or HEAD of a named object is
 * {@code get}; without a name it is {@code list}, or {@code watch} when the query has {@code watch} with any value but
 * {@code false} and {@code 0}; a {@code /watch/} path segment is {@code watch}; POST {@code create}, PUT {@code update},
 * PATCH {@code patch}, DELETE {@code delete} ({@code deletecollection} without a name). Newer releases of the same
 * function also take the name of a {@code list} or {@code watch} from a {@code fieldSelector=metadata.name=...}
 * ({@code TestFieldSelectorParsing}); that part is ported for its valid selectors.
 */
public record ApiRequest(boolean resourceRequest, String verb, String apiGroup, String namespace, String resource,
                         String subresource, String name) {
    private static final Set<String> API_PREFIXES = Set.of("api", "apis");
    private static final Set<String> GROUPLESS_API_PREFIXES = Set.of("api");
    private static final Set<String> SPECIAL_VERBS = Set.of("proxy", "watch");
    private static final Set<String> SPECIAL_VERBS_NO_SUBRESOURCES = Set.of("proxy");
    private static final Set<String> NAMESPACE_SUBRESOURCES = Set.of("status", "finalize");

    /** {@code method} and the request target as sent ({@code /api/v1/pods?watch=true}). */
    public static ApiRequest of(String method, String target) {
        URI uri = URI.create(target);
        String path = uri.getRawPath() == null ? "" : uri.getRawPath();
        String verb = method.toLowerCase();
        List<String> parts = splitPath(path);
        if (parts.size() < 3 || !API_PREFIXES.contains(parts.get(0))) {
            return new ApiRequest(false, verb, "", "", "", "", "");
        }
        String prefix = parts.get(0);
        parts = parts.subList(1, parts.size());
        String group = "";
        if (!GROUPLESS_API_PREFIXES.contains(prefix)) {
            // one part (the prefix) is consumed already: "do we have four parts?"
            if (parts.size() < 3) {
                return new ApiRequest(false, verb, "", "", "", "", "");
            }
            group = parts.get(0);
            parts = parts.subList(1, parts.size());
        }
        parts = parts.subList(1, parts.size()); // the version
        if (SPECIAL_VERBS.contains(parts.get(0))) {
            if (parts.size() < 2) {
                throw new IllegalArgumentException("unable to determine kind and namespace from url, " + target);
            }
            verb = parts.get(0);
            parts = parts.subList(1, parts.size());
        } else {
            verb = switch (method) {
                case "POST" -> "create";
                case "GET", "HEAD" -> "get";
                case "PUT" -> "update";
                case "PATCH" -> "patch";
                case "DELETE" -> "delete";
                default -> "";
            };
        }
        String namespace = "";
        if (parts.get(0).equals("namespaces")) {
            if (parts.size() > 1) {
                namespace = parts.get(1);
                if (parts.size() > 2 && !NAMESPACE_SUBRESOURCES.contains(parts.get(2))) {
                    parts = parts.subList(2, parts.size());
                }
            }
        }
        String resource = "";
        String subresource = "";
        String name = "";
        if (parts.size() >= 3 && !SPECIAL_VERBS_NO_SUBRESOURCES.contains(verb)) {
            subresource = parts.get(2);
        }
        if (parts.size() >= 2) {
            name = parts.get(1);
        }
        if (!parts.isEmpty()) {
            resource = parts.get(0);
        }
        List<String> watch = query(uri, "watch");
        if (name.isEmpty() && verb.equals("get")) {
            // any value but false and 0 is true (apimachinery's Convert_Slice_string_To_bool)
            verb = watch.isEmpty() || List.of("false", "0").contains(watch.get(0).toLowerCase()) ? "list" : "watch";
        }
        if ((verb.equals("list") || verb.equals("watch")) && name.isEmpty()) {
            name = nameFromFieldSelector(query(uri, "fieldSelector"));
        }
        if (name.isEmpty() && verb.equals("delete")) {
            verb = "deletecollection";
        }
        return new ApiRequest(true, verb, group, namespace, resource, subresource, name);
    }

    /** The resource as RBAC names it: {@code pods}, or {@code pods/status} with a subresource. */
    public String combinedResource() {
        return subresource.isEmpty() ? resource : resource + "/" + subresource;
    }

    @Override
    public String toString() {
        return verb + " " + (apiGroup.isEmpty() ? "" : apiGroup + "/") + combinedResource() + (name.isEmpty() ? "" : " " + name)
                + (namespace.isEmpty() ? " (cluster-wide)" : " in " + namespace);
    }

    private static String nameFromFieldSelector(List<String> selectors) {
        if (selectors.isEmpty()) {
            return "";
        }
        String[] requirement = selectors.get(0).split("==?", 2);
        return selectors.get(0).contains(",") || requirement.length != 2 || !requirement[0].equals("metadata.name")
                ? "" : requirement[1];
    }

    private static List<String> query(URI uri, String key) {
        List<String> values = new ArrayList<>();
        if (uri.getRawQuery() != null) {
            for (String pair : uri.getRawQuery().split("&")) {
                String[] kv = pair.split("=", 2);
                if (URLDecoder.decode(kv[0], StandardCharsets.UTF_8).equals(key)) {
                    values.add(kv.length > 1 ? URLDecoder.decode(kv[1], StandardCharsets.UTF_8) : "");
                }
            }
        }
        return values;
    }

    private static List<String> splitPath(String path) {
        String trimmed = path.replaceAll("^/+|/+$", "");
        return trimmed.isEmpty() ? List.of() : Arrays.asList(trimmed.split("/"));
    }
}
