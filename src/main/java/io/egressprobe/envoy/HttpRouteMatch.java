package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A route's {@code match}, judged against the probe's own request as Envoy judges a request: a virtual host's routes
 * are tried in order and the first that matches takes it (envoyproxy/envoy {@code source/common/router/config_impl.cc},
 * {@code VirtualHostImpl::getRouteFromEntries}). A route matches where its path specifier does ({@code prefix},
 * {@code path}, {@code safe_regex}, {@code path_separated_prefix}, {@code case_sensitive}; the path without its query
 * for all but {@code prefix}), every header matcher does ({@code source/common/http/header_utility.cc},
 * {@code HeaderUtility::matchHeaders}: a missing header matches only {@code present_match: false}, or
 * {@code present_match: true} inverted, unless {@code treat_missing_header_as_empty}), and every query parameter is
 * there and matches ({@code ConfigUtility::QueryParameterMatcher::matches}); a {@code grpc} match wants a gRPC request,
 * which the probe's is not. {@code runtime_fraction}, TLS-context and metadata matchers are taken to match. Envoy's
 * regexes are RE2, matched whole; Java's regex reads the RE2 syntax Istio writes. Pure.
 */
final class HttpRouteMatch {
    /** The probe's plain HTTP/1.1 request, as Envoy's router sees its headers. */
    record Request(String method, String path, String authority, Map<String, String> headers) {
        static Request probe(String path, String authority) {
            return new Request("GET", path, authority, Map.of("user-agent", "egress-probe", "accept", "*/*"));
        }

        Optional<String> header(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case ":method" -> Optional.of(method);
                case ":path" -> Optional.of(path);
                case ":authority", "host" -> Optional.of(authority);
                case ":scheme" -> Optional.of("http");
                default -> Optional.ofNullable(headers.get(name.toLowerCase(Locale.ROOT)));
            };
        }

        String pathWithoutQuery() {
            int end = path.length();
            for (char c : new char[] {'?', '#'}) {
                int at = path.indexOf(c);
                if (at >= 0 && at < end) {
                    end = at;
                }
            }
            return path.substring(0, end);
        }

        Optional<String> queryParameter(String name) {
            int q = path.indexOf('?');
            if (q < 0) {
                return Optional.empty();
            }
            for (String pair : path.substring(q + 1).split("[&#]")) {
                int eq = pair.indexOf('=');
                if ((eq < 0 ? pair : pair.substring(0, eq)).equals(name)) {
                    return Optional.of(eq < 0 ? "" : pair.substring(eq + 1));
                }
            }
            return Optional.empty();
        }
    }

    private HttpRouteMatch() {}

    static boolean matches(JsonNode match, Request r) {
        if (match == null || match.isMissingNode() || match.isNull()) {
            return false;
        }
        if (!Json.field(match, "grpc").isMissingNode() || !Json.field(match, "connect_matcher").isMissingNode()) {
            return false;
        }
        JsonNode caseSensitive = Json.field(match, "case_sensitive");
        boolean ignoreCase = caseSensitive.isBoolean() ? !caseSensitive.asBoolean()
                : caseSensitive.isObject() && !caseSensitive.path("value").asBoolean(true);
        if (!pathMatches(match, r, ignoreCase)) {
            return false;
        }
        for (JsonNode h : Json.field(match, "headers")) {
            if (!headerMatches(h, r)) {
                return false;
            }
        }
        for (JsonNode q : Json.field(match, "query_parameters")) {
            Optional<String> value = r.queryParameter(Json.text(q, "name"));
            if (value.isEmpty()) {
                return false;
            }
            JsonNode string = Json.field(q, "string_match");
            if (!string.isMissingNode() && !stringMatches(string, value.get())) {
                return false;
            }
        }
        return true;
    }

    private static boolean pathMatches(JsonNode match, Request r, boolean ignoreCase) {
        if (match.has("prefix")) {
            String prefix = match.get("prefix").asText();
            return ignoreCase ? r.path().toLowerCase(Locale.ROOT).startsWith(prefix.toLowerCase(Locale.ROOT))
                    : r.path().startsWith(prefix);
        }
        String path = r.pathWithoutQuery();
        if (match.has("path")) {
            return ignoreCase ? path.equalsIgnoreCase(match.get("path").asText()) : path.equals(match.get("path").asText());
        }
        if (match.has("path_separated_prefix")) {
            String prefix = match.get("path_separated_prefix").asText();
            String p = ignoreCase ? path.toLowerCase(Locale.ROOT) : path;
            String want = ignoreCase ? prefix.toLowerCase(Locale.ROOT) : prefix;
            return p.equals(want) || p.startsWith(want + "/");
        }
        JsonNode regex = Json.field(match, "safe_regex");
        if (!regex.isMissingNode()) {
            return regex(Json.text(regex, "regex")).map(p -> p.matcher(path).matches()).orElse(false);
        }
        return false; // a path_match_policy extension this does not know: taken not to match
    }

    /** {@code HeaderUtility::matchHeaders} for one matcher. */
    static boolean headerMatches(JsonNode h, Request r) {
        boolean invert = Json.field(h, "invert_match").asBoolean(false);
        Optional<String> value = r.header(Json.text(h, "name"));
        JsonNode presentNode = Json.field(h, "present_match");
        boolean isPresentMatch = !presentNode.isMissingNode() || specifierless(h);
        boolean present = presentNode.isMissingNode() || presentNode.asBoolean();
        if (value.isEmpty() && !Json.field(h, "treat_missing_header_as_empty").asBoolean(false)) {
            return invert ? isPresentMatch && present : isPresentMatch && !present;
        }
        String v = value.orElse("");
        boolean match;
        if (isPresentMatch) {
            match = present;
        } else if (h.has("exact_match")) {
            match = h.get("exact_match").asText().isEmpty() || v.equals(h.get("exact_match").asText());
        } else if (h.has("prefix_match")) {
            match = v.startsWith(h.get("prefix_match").asText());
        } else if (h.has("suffix_match")) {
            match = v.endsWith(h.get("suffix_match").asText());
        } else if (h.has("contains_match")) {
            match = v.contains(h.get("contains_match").asText());
        } else if (!Json.field(h, "safe_regex_match").isMissingNode()) {
            match = regex(Json.text(Json.field(h, "safe_regex_match"), "regex")).map(p -> p.matcher(v).matches()).orElse(false);
        } else if (!Json.field(h, "range_match").isMissingNode()) {
            JsonNode range = Json.field(h, "range_match");
            try {
                long n = Long.parseLong(v);
                match = n >= range.path("start").asLong() && n < range.path("end").asLong();
            } catch (NumberFormatException e) {
                match = false;
            }
        } else {
            match = stringMatches(Json.field(h, "string_match"), v);
        }
        return match != invert;
    }

    private static boolean specifierless(JsonNode h) {
        for (String specifier : List.of("exact_match", "prefix_match", "suffix_match", "contains_match", "safe_regex_match",
                "range_match", "string_match", "present_match")) {
            if (!Json.field(h, specifier).isMissingNode()) {
                return false;
            }
        }
        return true;
    }

    /** {@code envoy.type.matcher.v3.StringMatcher}. */
    static boolean stringMatches(JsonNode m, String value) {
        boolean ignoreCase = Json.field(m, "ignore_case").asBoolean(false);
        String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
        List<String> kinds = new ArrayList<>(List.of("exact", "prefix", "suffix", "contains"));
        for (String kind : kinds) {
            if (m.has(kind)) {
                String want = ignoreCase ? m.get(kind).asText().toLowerCase(Locale.ROOT) : m.get(kind).asText();
                return switch (kind) {
                    case "exact" -> v.equals(want);
                    case "prefix" -> v.startsWith(want);
                    case "suffix" -> v.endsWith(want);
                    default -> v.contains(want);
                };
            }
        }
        JsonNode regex = Json.field(m, "safe_regex");
        return !regex.isMissingNode() && regex(Json.text(regex, "regex")).map(p -> p.matcher(value).matches()).orElse(false);
    }

    private static Optional<Pattern> regex(String re2) {
        try {
            return Optional.of(Pattern.compile(re2));
        } catch (PatternSyntaxException e) {
            return Optional.empty();
        }
    }
}
