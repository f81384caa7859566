package io.egressprobe.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Turns YAML text into a {@link ProbeConfig}, or into the complete list of what is wrong with it.
 *
 * <p>Strict on purpose: unknown keys and duplicate keys are errors, because a misspelt key that is
 * silently ignored leaves a probe running with defaults nobody chose.
 */
public final class ConfigParser {
    static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9_-]{1,63}");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** Label names the exporter already uses on target series. */
    static final Set<String> RESERVED_LABELS =
            Set.of("target", "host", "port", "sni", "cluster", "path", "phase", "reason", "result", "source",
                    "quantile", "le", "instance", "job");
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_WINDOW = Duration.ofHours(1);
    static final Duration MIN_WINDOW = Duration.ofSeconds(10);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

    private static final Set<String> TOP_KEYS =
            Set.of("listen", "mode", "defaults", "targets", "discovery", "envoy", "kubernetes", "alerting", "metrics");
    private static final Set<String> SETTINGS_KEYS = Set.of("interval", "probeTimeout", "window",
            "envoyConnectTimeout", "thresholds", "minSamples", "for", "toleratedSynLosses");
    private static final Set<String> TARGET_KEYS;

    static {
        Set<String> keys = new LinkedHashSet<>(List.of("name", "host", "port", "sni", "tls", "http", "labels"));
        keys.addAll(SETTINGS_KEYS);
        TARGET_KEYS = Set.copyOf(keys);
    }

    private final List<ConfigProblem> problems = new ArrayList<>();

    private ConfigParser() {}

    public static ProbeConfig parse(String yaml) throws InvalidConfigException {
        JsonNode root;
        try {
            root = YAML.readTree(yaml);
        } catch (JsonProcessingException e) {
            throw new InvalidConfigException(List.of(syntaxProblem(e)));
        }
        ConfigParser parser = new ConfigParser();
        ProbeConfig config = parser.config(root);
        if (!parser.problems.isEmpty()) {
            throw new InvalidConfigException(parser.problems);
        }
        return config;
    }

    private static ConfigProblem syntaxProblem(JsonProcessingException e) {
        String message = e.getOriginalMessage();
        if (message.startsWith("Duplicate field")) {
            String key = message.substring(message.indexOf('\'') + 1, message.lastIndexOf('\''));
            String where = e.getProcessor() instanceof JsonParser p ? pathOf(p.getParsingContext()) : "";
            return new ConfigProblem(join(where, key), "duplicate key" + lineOf(e));
        }
        return new ConfigProblem("", "not valid YAML" + lineOf(e) + ": " + message.lines().findFirst().orElse(""));
    }

    private static String lineOf(JsonProcessingException e) {
        return e.getLocation() == null ? "" : " (line " + e.getLocation().getLineNr() + ")";
    }

    /** The path of the object holding the key being parsed. */
    private static String pathOf(JsonStreamContext ctx) {
        List<String> parts = new ArrayList<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            JsonStreamContext parent = c.getParent();
            if (parent != null && parent.inArray()) {
                parts.add(0, "[" + parent.getCurrentIndex() + "]");
            } else if (parent != null && parent.getCurrentName() != null) {
                parts.add(0, "." + parent.getCurrentName());
            }
        }
        String path = String.join("", parts);
        return path.startsWith(".") ? path.substring(1) : path;
    }

    private ProbeConfig config(JsonNode root) {
        if (root == null || root.isMissingNode() || root.isNull()) {
            problems.add(new ConfigProblem("", "the file is empty; a config needs at least 'targets'"));
            return null;
        }
        if (!root.isObject()) {
            problems.add(new ConfigProblem("", "must be a mapping of keys (listen, mode, defaults, targets, ...)"));
            return null;
        }
        knownKeys(root, "", TOP_KEYS);
        ListenAddress listen = listen(root.get("listen"));
        Mode mode = mode(root.get("mode"));
        JsonNode defaultsNode = object(root.get("defaults"), "defaults");
        ProbeSettings defaults = settings(defaultsNode, "defaults", ProbeSettings.BUILT_IN);
        if (defaultsNode != null) {
            knownKeys(defaultsNode, "defaults", SETTINGS_KEYS);
        }
        DiscoverySettings discovery = discovery(object(root.get("discovery"), "discovery"));
        List<Target> targets = targets(root.get("targets"), defaults, discovery.serviceEntriesEnabled());
        EnvoySettings envoy = envoy(object(root.get("envoy"), "envoy"));
        KubernetesSettings kubernetes = kubernetes(object(root.get("kubernetes"), "kubernetes"));
        AlertingSettings alerting = alerting(object(root.get("alerting"), "alerting"));
        MetricsSettings metrics = metrics(object(root.get("metrics"), "metrics"));
        if (discovery.serviceEntriesEnabled() && kubernetes.enabled() == KubernetesSettings.Toggle.FALSE) {
            problems.add(new ConfigProblem("discovery.serviceEntries.enabled",
                    "needs the Kubernetes API, but kubernetes.enabled is false"));
        }
        return new ProbeConfig(listen, mode, defaults, targets, discovery, envoy, kubernetes, alerting, metrics);
    }

    private ListenAddress listen(JsonNode node) {
        if (node == null || node.isNull()) {
            return ListenAddress.DEFAULT;
        }
        String text = node.isValueNode() ? node.asText() : "";
        int colon = text.lastIndexOf(':');
        String host = colon > 0 ? text.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        Integer port = colon < 0 ? null : parsePort(text.substring(colon + 1));
        if (host.isEmpty() || port == null) {
            problems.add(new ConfigProblem("listen", "must be host:port with a port from 0 to 65535, e.g. 0.0.0.0:9478"));
            return ListenAddress.DEFAULT;
        }
        return new ListenAddress(host, port);
    }

    /** A name or address without scheme, path or port; a single colon can only be a port. */
    private static boolean isBareHost(String host) {
        boolean singleColon = host.indexOf(':') >= 0 && host.indexOf(':') == host.lastIndexOf(':');
        return !host.contains("/") && !host.contains(" ") && !singleColon;
    }

    private static Integer parsePort(String s) {
        try {
            int p = Integer.parseInt(s);
            return p >= 0 && p <= 65535 ? p : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    private Mode mode(JsonNode node) {
        String text = text(node, "mode");
        if (text == null) {
            return Mode.AUTO;
        }
        for (Mode m : Mode.values()) {
            if (m.label().equals(text)) {
                return m;
            }
        }
        problems.add(new ConfigProblem("mode", "must be one of auto, sidecar, direct (was '" + text + "')"));
        return Mode.AUTO;
    }

    /** Reads the settings keys of {@code node} over {@code base}; other keys are the caller's to check. */
    private ProbeSettings settings(JsonNode node, String path, ProbeSettings base) {
        if (node == null) {
            return base;
        }
        // Range checks apply where a value is written; inherited values were checked where they were.
        Duration interval = positiveDuration(node.get("interval"), join(path, "interval"), base.interval());
        if (node.has("interval") && interval.compareTo(MIN_INTERVAL) < 0) {
            problems.add(new ConfigProblem(join(path, "interval"), "must be at least 100ms"));
        }
        Duration probeTimeout = positiveDuration(node.get("probeTimeout"), join(path, "probeTimeout"), base.probeTimeout());
        Duration window = positiveDuration(node.get("window"), join(path, "window"), base.window());
        if (node.has("window") && (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0)) {
            problems.add(new ConfigProblem(join(path, "window"), "must be between 10s and 1h"));
        }
        Optional<Duration> envoyTimeout = base.envoyConnectTimeout();
        JsonNode timeoutNode = node.get("envoyConnectTimeout");
        if (timeoutNode != null && !timeoutNode.isNull()) {
            envoyTimeout = "auto".equals(timeoutNode.asText())
                    ? Optional.empty()
                    : Optional.of(positiveDuration(timeoutNode, join(path, "envoyConnectTimeout"), Duration.ofSeconds(10)));
        }
        Thresholds thresholds = thresholds(node.get("thresholds"), join(path, "thresholds"), base.thresholds());
        int minSamples = integer(node.get("minSamples"), join(path, "minSamples"), base.minSamples(), 1, 1_000_000);
        Duration forDuration = duration(node.get("for"), join(path, "for"), base.forDuration());
        int losses = integer(node.get("toleratedSynLosses"), join(path, "toleratedSynLosses"),
                base.toleratedSynLosses(), 0, 3);
        if (envoyTimeout.isPresent() && probeTimeout.compareTo(envoyTimeout.get()) <= 0) {
            problems.add(new ConfigProblem(join(path, "probeTimeout"), "must exceed envoyConnectTimeout ("
                    + Durations.format(envoyTimeout.get()) + ") so that the tail beyond the timeout is seen"));
        }
        return new ProbeSettings(interval, probeTimeout, window, envoyTimeout, thresholds, minSamples, forDuration, losses);
    }

    private Thresholds thresholds(JsonNode node, String path, Thresholds base) {
        if (object(node, path) == null) {
            return base;
        }
        knownKeys(node, path, Set.of("warning", "critical", "failureWarning", "failureCritical"));
        double warning = ratio(node.get("warning"), join(path, "warning"), base.warning());
        double critical = ratio(node.get("critical"), join(path, "critical"), base.critical());
        if (warning >= critical) {
            problems.add(new ConfigProblem(join(path, "warning"), "must be below critical (" + critical + ")"));
        }
        double failureWarning = share(node.get("failureWarning"), join(path, "failureWarning"), base.failureWarning());
        double failureCritical = share(node.get("failureCritical"), join(path, "failureCritical"), base.failureCritical());
        if (failureWarning >= failureCritical) {
            problems.add(new ConfigProblem(join(path, "failureWarning"),
                    "must be below failureCritical (" + failureCritical + ")"));
        }
        return new Thresholds(warning, critical, failureWarning, failureCritical);
    }

    private double ratio(JsonNode node, String path, double fallback) {
        return number(node, path, fallback, 10, "a share of the timeout");
    }

    private double share(JsonNode node, String path, double fallback) {
        return number(node, path, fallback, 1, "a share of the attempts");
    }

    /** A number above 0 and at most {@code max}; {@code fallback} where absent or wrong (the problem is recorded). */
    private double number(JsonNode node, String path, double fallback, int max, String meaning) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isNumber() || node.asDouble() <= 0 || node.asDouble() > max) {
            problems.add(new ConfigProblem(path, "must be a number above 0 and at most " + max + " (" + meaning + ")"));
            return fallback;
        }
        return node.asDouble();
    }

    private List<Target> targets(JsonNode node, ProbeSettings defaults, boolean discoveryEnabled) {
        List<Target> result = new ArrayList<>();
        if (node == null || node.isNull() || (node.isArray() && node.isEmpty())) {
            if (!discoveryEnabled) {
                problems.add(new ConfigProblem("targets",
                        "is empty and discovery.serviceEntries is disabled: nothing to probe"));
            }
            return result;
        }
        if (!node.isArray()) {
            problems.add(new ConfigProblem("targets", "must be a list"));
            return result;
        }
        Map<String, Integer> firstIndexByName = new HashMap<>();
        for (int i = 0; i < node.size(); i++) {
            String path = "targets[" + i + "]";
            Target target = target(node.get(i), path, defaults);
            if (target == null) {
                continue;
            }
            Integer first = firstIndexByName.putIfAbsent(target.name(), i);
            if (first != null) {
                problems.add(new ConfigProblem(path + ".name",
                        "'" + target.name() + "' is already the name of targets[" + first + "]"));
            }
            result.add(target);
        }
        return result;
    }

    private Target target(JsonNode node, String path, ProbeSettings defaults) {
        if (object(node, path) == null) {
            if (node == null || node.isNull()) {
                problems.add(new ConfigProblem(path, "must be a mapping with at least name and host"));
            }
            return null;
        }
        knownKeys(node, path, TARGET_KEYS);
        String name = requiredText(node.get("name"), join(path, "name"));
        if (name != null && !TARGET_NAME.matcher(name).matches()) {
            problems.add(new ConfigProblem(join(path, "name"),
                    "'" + name + "' must be 1 to 63 characters of a-z, 0-9, '_' and '-' (it becomes a label value)"));
        }
        String host = requiredText(node.get("host"), join(path, "host"));
        if (host != null && !isBareHost(host)) {
            problems.add(new ConfigProblem(join(path, "host"), "must be a host name or address, without scheme or port"));
        }
        int port = integer(node.get("port"), join(path, "port"), 443, 1, 65535);
        String sni = text(node.get("sni"), join(path, "sni"));
        TlsSettings tls = tls(node.get("tls"), join(path, "tls"));
        Optional<HttpCheck> http = http(node.get("http"), join(path, "http"));
        ProbeSettings settings = settings(node, path, defaults);
        Map<String, String> labels = labels(node.get("labels"), join(path, "labels"));
        if (name == null || host == null) {
            return null;
        }
        return new Target(name, host, port, sni == null ? host : sni, tls, http, settings, labels);
    }

    private TlsSettings tls(JsonNode node, String path) {
        if (object(node, path) == null) {
            return TlsSettings.DEFAULT;
        }
        knownKeys(node, path, Set.of("verify", "caFile"));
        boolean verify = bool(node.get("verify"), join(path, "verify"), true);
        String caFile = text(node.get("caFile"), join(path, "caFile"));
        if (caFile != null && !verify) {
            problems.add(new ConfigProblem(join(path, "caFile"), "has no effect with verify: false; remove one of them"));
        }
        return new TlsSettings(verify, Optional.ofNullable(caFile).map(Path::of));
    }

    private Optional<HttpCheck> http(JsonNode node, String path) {
        if (object(node, path) == null) {
            return Optional.empty();
        }
        knownKeys(node, path, Set.of("path", "expectStatus"));
        String requestPath = text(node.get("path"), join(path, "path"));
        if (requestPath == null) {
            requestPath = "/";
        } else if (!requestPath.startsWith("/") || requestPath.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            problems.add(new ConfigProblem(join(path, "path"), "must start with '/' and contain no spaces or control characters"));
        }
        Set<Integer> statuses = new LinkedHashSet<>();
        JsonNode statusNode = node.get("expectStatus");
        if (statusNode == null || statusNode.isNull()) {
            statuses.addAll(HttpCheck.DEFAULT_STATUS);
        } else if (!statusNode.isArray() || statusNode.isEmpty()) {
            problems.add(new ConfigProblem(join(path, "expectStatus"), "must be a non-empty list of HTTP status codes"));
        } else {
            for (int i = 0; i < statusNode.size(); i++) {
                statuses.add(integer(statusNode.get(i), join(path, "expectStatus") + "[" + i + "]", 200, 100, 599));
            }
        }
        return Optional.of(new HttpCheck(requestPath, statuses));
    }

    private Map<String, String> labels(JsonNode node, String path) {
        Map<String, String> labels = new LinkedHashMap<>();
        if (object(node, path) == null) {
            return labels;
        }
        node.properties().forEach(e -> {
            String key = e.getKey();
            String keyPath = join(path, key);
            if (!LABEL_NAME.matcher(key).matches() || key.startsWith("__")) {
                problems.add(new ConfigProblem(keyPath, "is not a valid Prometheus label name"));
            } else if (RESERVED_LABELS.contains(key)) {
                problems.add(new ConfigProblem(keyPath, "is reserved: the exporter sets this label itself"));
            } else if (!e.getValue().isValueNode() || e.getValue().isNull()) {
                problems.add(new ConfigProblem(keyPath, "must be a string"));
            } else {
                labels.put(key, e.getValue().asText());
            }
        });
        return labels;
    }

    private DiscoverySettings discovery(JsonNode node) {
        if (node == null) {
            return DiscoverySettings.DEFAULT;
        }
        knownKeys(node, "discovery", Set.of("serviceEntries"));
        JsonNode se = object(node.get("serviceEntries"), "discovery.serviceEntries");
        if (se == null) {
            return DiscoverySettings.DEFAULT;
        }
        knownKeys(se, "discovery.serviceEntries", Set.of("enabled", "labelSelector"));
        boolean enabled = bool(se.get("enabled"), "discovery.serviceEntries.enabled", false);
        String selector = text(se.get("labelSelector"), "discovery.serviceEntries.labelSelector");
        return new DiscoverySettings(enabled, selector == null ? DiscoverySettings.DEFAULT.labelSelector() : selector);
    }

    private EnvoySettings envoy(JsonNode node) {
        if (node == null) {
            return EnvoySettings.DEFAULT;
        }
        knownKeys(node, "envoy", Set.of("adminUrl", "readyUrl", "refresh"));
        URI admin = httpUrl(node.get("adminUrl"), "envoy.adminUrl").orElse(EnvoySettings.DEFAULT.adminUrl());
        URI ready = httpUrl(node.get("readyUrl"), "envoy.readyUrl").orElse(EnvoySettings.DEFAULT.readyUrl());
        Duration refresh = positiveDuration(node.get("refresh"), "envoy.refresh", EnvoySettings.DEFAULT.refresh());
        return new EnvoySettings(admin, ready, refresh);
    }

    private KubernetesSettings kubernetes(JsonNode node) {
        if (node == null) {
            return KubernetesSettings.DEFAULT;
        }
        knownKeys(node, "kubernetes", Set.of("enabled", "events"));
        KubernetesSettings.Toggle enabled = KubernetesSettings.Toggle.AUTO;
        JsonNode e = node.get("enabled");
        if (e != null && !e.isNull()) {
            if (e.isBoolean()) {
                enabled = e.asBoolean() ? KubernetesSettings.Toggle.TRUE : KubernetesSettings.Toggle.FALSE;
            } else if (!"auto".equals(e.asText())) {
                problems.add(new ConfigProblem("kubernetes.enabled", "must be auto, true or false"));
            }
        }
        return new KubernetesSettings(enabled, bool(node.get("events"), "kubernetes.events", true));
    }

    private MetricsSettings metrics(JsonNode node) {
        if (node == null) {
            return MetricsSettings.DEFAULT;
        }
        knownKeys(node, "metrics", Set.of("phaseHistograms", "runtime"));
        MetricsSettings.Runtime runtime = MetricsSettings.DEFAULT.runtime();
        JsonNode r = node.get("runtime");
        if (r != null && !r.isNull()) {
            switch (r.asText()) {
                case "minimal" -> runtime = MetricsSettings.Runtime.MINIMAL;
                case "full" -> runtime = MetricsSettings.Runtime.FULL;
                default -> problems.add(new ConfigProblem("metrics.runtime", "must be minimal or full"));
            }
        }
        return new MetricsSettings(bool(node.get("phaseHistograms"), "metrics.phaseHistograms",
                MetricsSettings.DEFAULT.phaseHistograms()), runtime);
    }

    private AlertingSettings alerting(JsonNode node) {
        if (node == null) {
            return AlertingSettings.DEFAULT;
        }
        knownKeys(node, "alerting", Set.of("alertmanager", "webhook"));
        Optional<URI> amUrl = Optional.empty();
        Duration resend = AlertingSettings.DEFAULT.alertmanagerResend();
        JsonNode am = object(node.get("alertmanager"), "alerting.alertmanager");
        if (am != null) {
            knownKeys(am, "alerting.alertmanager", Set.of("url", "resend"));
            amUrl = httpUrl(am.get("url"), "alerting.alertmanager.url");
            resend = positiveDuration(am.get("resend"), "alerting.alertmanager.resend", resend);
        }
        Optional<URI> webhook = Optional.empty();
        JsonNode wh = object(node.get("webhook"), "alerting.webhook");
        if (wh != null) {
            knownKeys(wh, "alerting.webhook", Set.of("url"));
            webhook = httpUrl(wh.get("url"), "alerting.webhook.url");
        }
        return new AlertingSettings(amUrl, resend, webhook);
    }

    // --- typed accessors: each records a problem and returns a fallback, so parsing goes on ---

    private JsonNode object(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(new ConfigProblem(path, "must be a mapping"));
            return null;
        }
        return node;
    }

    private void knownKeys(JsonNode node, String path, Set<String> known) {
        node.fieldNames().forEachRemaining(key -> {
            if (!known.contains(key)) {
                String hint = closest(key, known).map(k -> "; did you mean '" + k + "'?")
                        .orElse(" (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                problems.add(new ConfigProblem(join(path, key), "unknown key" + hint));
            }
        });
    }

    private String text(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problems.add(new ConfigProblem(path, "must be a non-empty string"));
            return null;
        }
        return node.asText();
    }

    private String requiredText(JsonNode node, String path) {
        if (node == null || node.isNull()) {
            problems.add(new ConfigProblem(path, "is required"));
            return null;
        }
        return text(node, path);
    }

    private int integer(JsonNode node, String path, int fallback, int min, int max) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
            problems.add(new ConfigProblem(path, "must be " + (max == 1_000_000 ? "an integer of at least " + min
                    : "between " + min + " and " + max)));
            return fallback;
        }
        return node.asInt();
    }

    private boolean bool(JsonNode node, String path, boolean fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problems.add(new ConfigProblem(path, "must be true or false"));
            return fallback;
        }
        return node.asBoolean();
    }

    private Duration duration(JsonNode node, String path, Duration fallback) {
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isTextual()) {
            problems.add(new ConfigProblem(path, "must be a duration with a unit, e.g. " + node.asText() + "s"));
            return fallback;
        }
        try {
            return Durations.parse(node.asText());
        } catch (IllegalArgumentException e) {
            problems.add(new ConfigProblem(path, e.getMessage()));
            return fallback;
        }
    }

    private Duration positiveDuration(JsonNode node, String path, Duration fallback) {
        Duration d = duration(node, path, fallback);
        if (d.isZero() || d.isNegative()) {
            problems.add(new ConfigProblem(path, "must be longer than 0"));
            return fallback;
        }
        return d;
    }

    private Optional<URI> httpUrl(JsonNode node, String path) {
        String text = text(node, path);
        if (text == null) {
            return Optional.empty();
        }
        try {
            URI uri = new URI(text);
            if (("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null) {
                return Optional.of(uri);
            }
        } catch (java.net.URISyntaxException e) {
            // reported below
        }
        problems.add(new ConfigProblem(path, "must be an http:// or https:// URL with a host"));
        return Optional.empty();
    }

    private static String join(String path, String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** The known key one or two edits away, for a typo's hint. */
    private static Optional<String> closest(String key, Set<String> known) {
        String best = null;
        int bestDistance = 3;
        for (String k : known) {
            int d = editDistance(key.toLowerCase(java.util.Locale.ROOT), k.toLowerCase(java.util.Locale.ROOT));
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return Optional.ofNullable(best);
    }

    /** Optimal string alignment distance: a swap of two neighbours counts as one edit, as in "hots". */
    private static int editDistance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
