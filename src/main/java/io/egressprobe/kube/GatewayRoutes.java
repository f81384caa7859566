package io.egressprobe.kube;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Where an egress gateway sends the probe's connection: the destination (host, port, subset, each weighted share) that
 * the VirtualServices bound to a Gateway give the traffic the sidecar sends to the gateway's port. Istio's own rules,
 * from istio/istio:
 * <ul>
 * <li>{@code pilot/pkg/model/virtualservice.go}, {@code ResolveVirtualServiceShortnames}: hosts and destination hosts
 *     resolved to FQDNs in the VirtualService's namespace ({@code ResolveShortnameToFQDN}), gateway names to
 *     {@code namespace/name} ({@code pilot/pkg/model/config.go}, {@code resolveGatewayName}; {@code mesh} stays).</li>
 * <li>{@code pilot/pkg/model/push_context.go}, {@code PushContext.VirtualServicesForGateway}: the services bound to a
 *     gateway, those private to the gateway's namespace first, then those exported to it, then the public ones, each
 *     oldest first ({@code sortConfigByCreationTime}).</li>
 * <li>TLS routes: {@code pilot/pkg/networking/core/gateway.go}, {@code buildGatewayNetworkFiltersFromTLSRoutes}: every
 *     {@code tls[].match[]} that passes {@code l4SingleMatch} (its {@code port} is the server's, its {@code gateways}
 *     name the gateway; a later duplicate SNI is skipped) becomes a filter chain on its {@code sniHosts}; Envoy then
 *     takes the chain by server name, the exact name before the longest wildcard suffix
 *     ({@code filter_chain_manager_impl.cc}).</li>
 * <li>TCP routes: {@code buildGatewayNetworkFiltersFromTCPRoutes}: the first {@code tcp[]} whose matches pass
 *     {@code l4MultiMatch} (no match: it passes).</li>
 * <li>HTTP routes: {@code pilot/pkg/networking/core/route/route.go}, {@code BuildHTTPRoutesForVirtualService} and
 *     {@code TranslateRoute}: each {@code http[].match[]} in order, kept where its {@code port} is the server's and
 *     {@code sourceMatchHTTP} passes (its {@code gateways} name the gateway; without gateways its
 *     {@code sourceLabels}, which are the gateway pod's and not known here, must be empty, and its
 *     {@code sourceNamespace} the gateway's); {@code buildGatewayHTTPRouteConfig} (gateway.go) appends the routes of
 *     every service for the host in the order above, and Envoy takes the first that matches the request (here the
 *     probe's: {@code GET}, its path, its host as authority).</li>
 * <li>The cluster: {@code route.go}, {@code GetDestinationCluster}: {@code outbound|<port>|<subset>|<host>}, the port the
 *     destination's, else the listener's (Istio takes a service's only port where it has one: the ServiceEntry's ports
 *     are not read here).</li>
 * </ul>
 * Not read (the grant is VirtualServices only): the Gateway resources. The gateway's name is each non-{@code mesh}
 * gateway the VirtualService binds to, its server port is the port the sidecar sends to the gateway's Service (Istio's
 * egress gateway task uses the same number for both), and the kind of route is the one the probe's connection takes:
 * a TLS route whose SNI matches first, else an HTTP route, else a TCP route. Pure.
 */
public final class GatewayRoutes {
    static final String MESH = "mesh";

    /**
     * A VirtualService bound to a Gateway, pruned to what this routing reads (its routes' matches and destinations): an
     * index that grows with the gateway routes, not with the objects' size.
     *
     * @param hosts    resolved to FQDNs
     * @param gateways resolved to {@code namespace/name}, {@code mesh} left out
     */
    public record Service(String namespace, String name, Instant created, List<String> hosts, List<String> gateways,
                          Set<String> exportTo, List<Rule> http, List<Rule> tls, List<Rule> tcp) {
        public Service {
            hosts = List.copyOf(hosts);
            gateways = List.copyOf(gateways);
            exportTo = Set.copyOf(exportTo);
            http = List.copyOf(http);
            tls = List.copyOf(tls);
            tcp = List.copyOf(tcp);
        }

        public String id() {
            return namespace + "/" + name;
        }
    }

    /** One {@code http[]}, {@code tls[]} or {@code tcp[]} entry: its matches (none: it matches all) and destinations. */
    public record Rule(List<Match> matches, List<Dest> route) {
        public Rule {
            matches = List.copyOf(matches);
            route = List.copyOf(route);
        }
    }

    /**
     * One {@code match[]} entry, the conditions the gateway evaluates.
     *
     * @param port      0 where any
     * @param gateways  resolved; empty where the rule's service-level gateways apply
     * @param request   an HTTP match's request conditions ({@code uri}, {@code authority}, ...), as written; missing for L4
     */
    public record Match(int port, List<String> gateways, List<String> sniHosts, boolean sourceLabels,
                        String sourceNamespace, JsonNode request) {
        public Match {
            gateways = List.copyOf(gateways);
            sniHosts = List.copyOf(sniHosts);
        }
    }

    /** A destination: {@code port} 0 where it names none, {@code subset} empty where none; {@code weight} as written. */
    public record Dest(String host, int port, String subset, int weight) {}

    /** A destination as the gateway dials it: its cluster's host, port and subset, with its share of the connections. */
    public record Upstream(String host, int port, String subset, int weight) {
        public String cluster() {
            return "outbound|" + port + "|" + subset + "|" + host;
        }
    }

    /**
     * The gateway's route for the probe's connection.
     *
     * @param virtualService {@code namespace/name} of the service that decided it
     * @param gateway        the gateway name it was bound by ({@code namespace/name})
     * @param kind           {@code tls}, {@code http} or {@code tcp}
     */
    public record Leg(String virtualService, String gateway, String kind, List<Upstream> upstreams) {
        public Leg {
            upstreams = List.copyOf(upstreams);
        }
    }

    private GatewayRoutes() {}

    /**
     * The VirtualService pruned, where it binds to a Gateway (a {@code gateways} entry other than {@code mesh}); empty
     * for a service of sidecars only ({@code gateways} empty means {@code mesh}).
     */
    public static Optional<Service> prune(String namespace, String name, Instant created, JsonNode spec) {
        List<String> gateways = new ArrayList<>();
        for (JsonNode g : spec.path("gateways")) {
            if (!g.asText().equals(MESH)) {
                gateways.add(resolveGatewayName(g.asText(), namespace));
            }
        }
        if (gateways.isEmpty()) {
            return Optional.empty();
        }
        List<String> hosts = new ArrayList<>();
        spec.path("hosts").forEach(h -> hosts.add(DestinationRuleIndex.resolveShortnameToFqdn(h.asText(), namespace)));
        Set<String> exportTo = new LinkedHashSet<>();
        spec.path("exportTo").forEach(e -> exportTo.add(e.asText()));
        return Optional.of(new Service(namespace, name, created, hosts, gateways, exportTo, rules(spec.path("http"), namespace, true),
                rules(spec.path("tls"), namespace, false), rules(spec.path("tcp"), namespace, false)));
    }

    private static List<Rule> rules(JsonNode entries, String namespace, boolean http) {
        List<Rule> rules = new ArrayList<>();
        for (JsonNode entry : entries) {
            List<Match> matches = new ArrayList<>();
            for (JsonNode m : entry.path("match")) {
                List<String> gateways = new ArrayList<>();
                m.path("gateways").forEach(g -> gateways.add(g.asText().equals(MESH) ? MESH : resolveGatewayName(g.asText(), namespace)));
                List<String> sni = new ArrayList<>();
                m.path("sniHosts").forEach(s -> sni.add(s.asText()));
                JsonNode request = http ? m.deepCopy() : com.fasterxml.jackson.databind.node.MissingNode.getInstance();
                if (request.isObject()) {
                    ((com.fasterxml.jackson.databind.node.ObjectNode) request).remove(List.of("port", "gateways", "sourceLabels",
                            "sourceNamespace", "name"));
                }
                matches.add(new Match(m.path("port").asInt(0), gateways, sni, m.path("sourceLabels").size() > 0,
                        m.path("sourceNamespace").asText(""), request));
            }
            List<Dest> route = new ArrayList<>();
            for (JsonNode r : entry.path("route")) {
                JsonNode d = r.path("destination");
                route.add(new Dest(DestinationRuleIndex.resolveShortnameToFqdn(d.path("host").asText(), namespace),
                        d.path("port").path("number").asInt(0), d.path("subset").asText(""), r.path("weight").asInt(0)));
            }
            rules.add(new Rule(matches, route));
        }
        return rules;
    }

    /**
     * {@code resolveGatewayName} (pilot/pkg/model/config.go): {@code ns/name} as written ({@code ./name} in the
     * service's namespace), a short name in the service's namespace, the legacy {@code name.ns[.svc...]} as {@code ns/name}.
     */
    static String resolveGatewayName(String gateway, String namespace) {
        int slash = gateway.indexOf('/');
        if (slash >= 0) {
            return gateway.startsWith("./") ? namespace + "/" + gateway.substring(2) : gateway;
        }
        int dot = gateway.indexOf('.');
        if (dot < 0) {
            return namespace + "/" + gateway;
        }
        String rest = gateway.substring(dot + 1);
        int next = rest.indexOf('.');
        return (next < 0 ? rest : rest.substring(0, next)) + "/" + gateway.substring(0, dot);
    }

    /**
     * {@code host.Name.Matches} (pkg/config/host/name.go): whether two names overlap, either wildcard covering the
     * other; case-sensitive, as Istio's is.
     */
    static boolean hostsMatch(String n, String o) {
        boolean nWild = n.startsWith("*");
        boolean oWild = o.startsWith("*");
        if (nWild) {
            if (oWild) {
                return n.length() < o.length() ? o.substring(1).endsWith(n.substring(1)) : n.substring(1).endsWith(o.substring(1));
            }
            return o.endsWith(n.substring(1));
        }
        if (oWild) {
            return n.endsWith(o.substring(1));
        }
        return n.equals(o);
    }

    /** Whether the service names {@code host} among its hosts: the only services the index keeps for a target. */
    public static boolean servesAny(Service s, Set<String> hosts) {
        return s.hosts().stream().anyMatch(h -> hosts.stream().anyMatch(t -> hostsMatch(h, t)));
    }

    /**
     * The gateway's route for a connection to {@code host} arriving on {@code port} at a gateway in
     * {@code gatewayNamespace}; empty where no VirtualService bound to a gateway routes it (the gateway then takes the
     * host's own cluster on that port, as today's route assumes).
     *
     * @param sni         the name the connection's TLS presents (TLS routes match on it)
     * @param requestPath the probe's HTTP request path (HTTP routes match on it)
     */
    public static Optional<Leg> resolve(List<Service> services, String gatewayNamespace, int port, String host, String sni,
                                        String requestPath) {
        List<Service> forHost = ordered(services.stream().filter(s -> s.hosts().stream().anyMatch(h -> hostsMatch(h, host)))
                .filter(s -> visible(s, gatewayNamespace)).toList(), gatewayNamespace);
        Set<String> gatewayNames = new LinkedHashSet<>();
        forHost.forEach(s -> gatewayNames.addAll(s.gateways()));
        for (String gateway : gatewayNames) {
            List<Service> bound = forHost.stream().filter(s -> s.gateways().contains(gateway)).toList();
            Optional<Leg> leg = tls(bound, gateway, port, sni)
                    .or(() -> http(bound, gateway, port, gatewayNamespace, host, requestPath))
                    .or(() -> tcp(bound, gateway, port));
            if (leg.isPresent()) {
                return leg;
            }
        }
        return Optional.empty();
    }

    /** A service's {@code exportTo} as the gateway's namespace sees it (empty: Istio's default {@code *}). */
    private static boolean visible(Service s, String namespace) {
        Set<String> e = s.exportTo();
        return e.isEmpty() || e.contains("*") || e.contains(namespace) || e.contains(".") && s.namespace().equals(namespace);
    }

    /** {@code VirtualServicesForGateway}: private to the namespace, exported to it, public; each oldest first. */
    private static List<Service> ordered(List<Service> services, String namespace) {
        Comparator<Service> age = Comparator.comparing(Service::created).thenComparing(Service::name).thenComparing(Service::namespace);
        Comparator<Service> tier = Comparator.comparingInt(s -> {
            boolean isPrivate = s.namespace().equals(namespace) && !s.exportTo().isEmpty() && !s.exportTo().contains("*")
                    && s.exportTo().stream().allMatch(x -> x.equals(".") || x.equals(namespace));
            boolean exportedThere = !s.exportTo().isEmpty() && !s.exportTo().contains("*") && s.exportTo().contains(namespace);
            return isPrivate ? 0 : exportedThere ? 1 : 2;
        });
        return services.stream().sorted(tier.thenComparing(age)).toList();
    }

    /** The TLS filter chains in order, duplicates of an earlier SNI skipped; Envoy's exact name, then longest wildcard. */
    private static Optional<Leg> tls(List<Service> services, String gateway, int port, String sni) {
        Set<String> seen = new LinkedHashSet<>();
        Leg best = null;
        String bestName = null;
        for (Service s : services) {
            for (Rule r : s.tls()) {
                if (r.route().isEmpty()) {
                    continue;
                }
                for (Match m : r.matches()) {
                    if (!l4SingleMatch(m, gateway, port) || m.sniHosts().stream().anyMatch(seen::contains)) {
                        continue;
                    }
                    seen.addAll(m.sniHosts());
                    for (String name : m.sniHosts()) {
                        if (!serverNameMatches(name, sni)) {
                            continue;
                        }
                        boolean better = bestName == null || !name.startsWith("*") && bestName.startsWith("*")
                                || name.startsWith("*") && bestName.startsWith("*") && name.length() > bestName.length();
                        if (better) {
                            best = leg(s, gateway, "tls", r, port);
                            bestName = name;
                        }
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    /** Envoy's server name match: the exact name, or {@code *.suffix} over a name with at least one more label. */
    private static boolean serverNameMatches(String pattern, String sni) {
        String p = pattern.toLowerCase(Locale.ROOT);
        String n = sni.toLowerCase(Locale.ROOT);
        return p.startsWith("*.") ? n.endsWith(p.substring(1)) && n.length() > p.length() - 1 : p.equals(n);
    }

    private static Optional<Leg> tcp(List<Service> services, String gateway, int port) {
        for (Service s : services) {
            for (Rule r : s.tcp()) {
                boolean matches = r.matches().isEmpty() || r.matches().stream().anyMatch(m -> l4SingleMatch(m, gateway, port));
                if (matches && !r.route().isEmpty()) {
                    return Optional.of(leg(s, gateway, "tcp", r, port));
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<Leg> http(List<Service> services, String gateway, int port, String gatewayNamespace, String host,
                                      String requestPath) {
        for (Service s : services) {
            for (Rule r : s.http()) {
                if (r.route().isEmpty()) {
                    continue; // a redirect or direct response: nothing is dialed
                }
                if (r.matches().isEmpty()) {
                    return Optional.of(leg(s, gateway, "http", r, port));
                }
                for (Match m : r.matches()) {
                    if ((m.port() == 0 || m.port() == port) && sourceMatchHttp(m, gateway, gatewayNamespace)
                            && requestMatches(m.request(), host, requestPath)) {
                        return Optional.of(leg(s, gateway, "http", r, port));
                    }
                }
            }
        }
        return Optional.empty();
    }

    /** {@code l4SingleMatch} (gateway.go): the server's port, and the gateway among the match's gateways where it names some. */
    private static boolean l4SingleMatch(Match m, String gateway, int port) {
        return (m.port() == 0 || m.port() == port) && (m.gateways().isEmpty() || m.gateways().contains(gateway));
    }

    /** {@code sourceMatchHTTP} (route.go), for a gateway pod whose labels are not known. */
    private static boolean sourceMatchHttp(Match m, String gateway, String gatewayNamespace) {
        if (!m.gateways().isEmpty()) {
            return m.gateways().contains(gateway);
        }
        return !m.sourceLabels() && (m.sourceNamespace().isEmpty() || m.sourceNamespace().equals(gatewayNamespace));
    }

    /**
     * An {@code HTTPMatchRequest}'s request conditions against the probe's request ({@code GET}, its path, scheme
     * {@code http}, its host as authority, no other header, no query): each {@code StringMatch} ({@code exact},
     * {@code prefix}, {@code regex}, RE2 matched whole); {@code withoutHeaders} matches the probe's few headers' absence.
     * A condition this does not know is taken not to match.
     */
    static boolean requestMatches(JsonNode request, String host, String path) {
        if (request == null || request.isMissingNode()) {
            return true;
        }
        String pathOnly = path.contains("?") ? path.substring(0, path.indexOf('?')) : path;
        var fields = request.fields();
        while (fields.hasNext()) {
            var f = fields.next();
            boolean ok = switch (f.getKey()) {
                case "uri" -> stringMatch(f.getValue(), pathOnly, request.path("ignoreUriCase").asBoolean(false));
                case "authority" -> stringMatch(f.getValue(), host, false);
                case "method" -> stringMatch(f.getValue(), "GET", false);
                case "scheme" -> stringMatch(f.getValue(), "http", false);
                case "ignoreUriCase" -> true;
                case "headers" -> headersMatch(f.getValue());
                case "withoutHeaders" -> withoutHeadersMatch(f.getValue());
                case "queryParams" -> f.getValue().isEmpty();
                default -> false;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean headersMatch(JsonNode headers) {
        var it = headers.fields();
        while (it.hasNext()) {
            var h = it.next();
            Optional<String> value = probeHeader(h.getKey());
            if (value.isEmpty() || !stringMatch(h.getValue(), value.get(), false)) {
                return false;
            }
        }
        return true;
    }

    private static boolean withoutHeadersMatch(JsonNode headers) {
        var it = headers.fields();
        while (it.hasNext()) {
            var h = it.next();
            Optional<String> value = probeHeader(h.getKey());
            if (value.isPresent() && (h.getValue().isEmpty() || stringMatch(h.getValue(), value.get(), false))) {
                return false;
            }
        }
        return true;
    }

    private static Optional<String> probeHeader(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "user-agent" -> Optional.of("egress-probe");
            case "accept" -> Optional.of("*/*");
            default -> Optional.empty();
        };
    }

    private static boolean stringMatch(JsonNode match, String value, boolean ignoreCase) {
        String v = ignoreCase ? value.toLowerCase(Locale.ROOT) : value;
        if (match.has("exact")) {
            String e = match.get("exact").asText();
            return (ignoreCase ? e.toLowerCase(Locale.ROOT) : e).equals(v);
        }
        if (match.has("prefix")) {
            String p = match.get("prefix").asText();
            return v.startsWith(ignoreCase ? p.toLowerCase(Locale.ROOT) : p);
        }
        if (match.has("regex")) {
            try {
                return Pattern.compile(match.get("regex").asText(), ignoreCase ? Pattern.CASE_INSENSITIVE : 0).matcher(value).matches();
            } catch (PatternSyntaxException e) {
                return false;
            }
        }
        return match.isEmpty(); // an empty StringMatch matches anything
    }

    /**
     * The rule's destinations as clusters ({@code GetDestinationCluster}); weights as Envoy's {@code weighted_clusters}
     * take them, a single destination without a weight taking all.
     */
    private static Leg leg(Service s, String gateway, String kind, Rule r, int listenerPort) {
        List<Upstream> upstreams = new ArrayList<>();
        for (Dest d : r.route()) {
            int weight = r.route().size() == 1 && d.weight() == 0 ? 100 : d.weight();
            if (weight > 0 || r.route().size() == 1) {
                upstreams.add(new Upstream(d.host(), d.port() == 0 ? listenerPort : d.port(), d.subset(), weight));
            }
        }
        return new Leg(s.id(), gateway, kind, upstreams);
    }
}
