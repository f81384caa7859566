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
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns YAML text into a {@link ProbeConfig}, or into the complete list of what is wrong with it.
 *
 * <p>Strict on purpose: unknown keys and duplicate keys are errors, because a misspelt key that is
 * silently ignored leaves a probe running with defaults nobody chose.
 */
public final class ConfigParser {
    static final Pattern TARGET_NAME = Pattern.compile("[a-z0-9_-]{1,63}");
    private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
    /** A Kubernetes namespace name: an RFC 1123 label (kubernetes {@code apimachinery/pkg/util/validation}, {@code IsDNS1123Label}). */
    private static final Pattern NAMESPACE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
    /** Label names the exporter already uses on target series. */
    static final Set<String> RESERVED_LABELS =
            Set.of("target", "host", "port", "sni", "cluster", "path", "phase", "reason", "result", "source",
                    "quantile", "le", "instance", "job");
    /** The labels of every alert (notify.Notification.LABELS, which the core cannot import). */
    static final Set<String> ALERT_LABELS = Set.of("alertname", "severity", "target", "host", "node", "path");
    static final Duration MIN_INTERVAL = Duration.ofMillis(100);
    static final Duration MAX_WINDOW = Duration.ofHours(1);
    static final Duration MIN_WINDOW = Duration.ofSeconds(10);

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);

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
        // SnakeYAML knows where the problem is and what it is; Jackson's own location is the token it stopped at.
        if (e.getCause() instanceof MarkedYAMLException y && y.getProblemMark() != null) {
            String context = y.getContext() == null || y.getContextMark() == null ? ""
                    : ", " + y.getContext() + " that starts at " + at(y.getContextMark());
            String where = y.getProblem().contains("<stream end>") || y.getProblem().contains("end of stream")
                    ? "the end of the file" : at(y.getProblemMark());
            return new ConfigProblem("", "not valid YAML at " + where + ": " + y.getProblem() + context);
        }
        return new ConfigProblem("", "not valid YAML" + lineOf(e) + ": " + message.lines().findFirst().orElse(""));
    }

    /** SnakeYAML's marks count from 0; editors from 1. */
    private static String at(Mark mark) {
        return "line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
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
        Section top = new Section(root, "");
        ListenAddress listen = listen(top.at("listen"));
        Mode mode = mode(top.at("mode"));
        Section defaultsSection = section(top.at("defaults"));
        ProbeSettings defaults = defaultsSection == null ? ProbeSettings.BUILT_IN : settings(defaultsSection, ProbeSettings.BUILT_IN);
        if (defaultsSection != null) {
            defaultsSection.close();
        }
        DiscoverySettings discovery = discovery(section(top.at("discovery")));
        List<Target> targets = targets(top.at("targets").node(), defaults, discovery.serviceEntriesEnabled());
        EnvoySettings envoy = envoy(section(top.at("envoy")));
        KubernetesSettings kubernetes = kubernetes(section(top.at("kubernetes")));
        AlertingSettings alerting = alerting(section(top.at("alerting")));
        MetricsSettings metrics = metrics(section(top.at("metrics")));
        top.close();
        if (discovery.serviceEntriesEnabled() && kubernetes.enabled() == KubernetesSettings.Toggle.FALSE) {
            problems.add(new ConfigProblem("discovery.serviceEntries.enabled",
                    "needs the Kubernetes API, but kubernetes.enabled is false"));
        }
        return new ProbeConfig(listen, mode, defaults, targets, discovery, envoy, kubernetes, alerting, metrics);
    }

    private ListenAddress listen(Field field) {
        JsonNode node = field.node();
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
            problems.add(new ConfigProblem(field.path(), "must be host:port with a port from 0 to 65535, e.g. 0.0.0.0:9478"));
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

    private Mode mode(Field field) {
        String text = text(field);
        if (text == null) {
            return Mode.AUTO;
        }
        for (Mode m : Mode.values()) {
            if (m.label().equals(text)) {
                return m;
            }
        }
        problems.add(new ConfigProblem(field.path(), "must be one of auto, sidecar, direct, ambient (was '" + text + "')"));
        return Mode.AUTO;
    }

    /** Reads the settings keys of a section over {@code base}; a target's section holds its own keys besides. */
    private ProbeSettings settings(Section s, ProbeSettings base) {
        // Range checks apply where a value is written; inherited values were checked where they were.
        Field intervalField = s.at("interval");
        Duration interval = positiveDuration(intervalField, base.interval());
        if (intervalField.present() && interval.compareTo(MIN_INTERVAL) < 0) {
            problems.add(new ConfigProblem(intervalField.path(), "must be at least 100ms"));
        }
        Field probeTimeoutField = s.at("probeTimeout");
        Duration probeTimeout = positiveDuration(probeTimeoutField, base.probeTimeout());
        Field windowField = s.at("window");
        Duration window = positiveDuration(windowField, base.window());
        if (windowField.present() && (window.compareTo(MIN_WINDOW) < 0 || window.compareTo(MAX_WINDOW) > 0)) {
            problems.add(new ConfigProblem(windowField.path(), "must be between 10s and 1h"));
        }
        Optional<Duration> envoyTimeout = base.envoyConnectTimeout();
        Field timeoutField = s.at("envoyConnectTimeout");
        if (timeoutField.node() != null && !timeoutField.node().isNull()) {
            envoyTimeout = "auto".equals(timeoutField.node().asText())
                    ? Optional.empty()
                    : Optional.of(positiveDuration(timeoutField, Duration.ofSeconds(10)));
        }
        Thresholds thresholds = thresholds(s.at("thresholds"), base.thresholds());
        Field minSamplesField = s.at("minSamples");
        int minSamples = integer(minSamplesField, base.minSamples(), 1, 1_000_000);
        long holds = window.toMillis() / Math.max(1, interval.toMillis());
        if ((intervalField.present() || windowField.present() || minSamplesField.present()) && holds < minSamples) {
            // An alert is judged only once the window holds minSamples attempts: it never would.
            problems.add(new ConfigProblem(s.path, "window " + Durations.format(window) + " at interval "
                    + Durations.format(interval) + " holds at most " + holds + " attempts, fewer than minSamples " + minSamples
                    + ": no alert could ever be judged; lengthen window, shorten interval or lower minSamples"));
        }
        Duration forDuration = duration(s.at("for"), base.forDuration());
        int losses = integer(s.at("toleratedSynLosses"), base.toleratedSynLosses(), 0, 3);
        if (envoyTimeout.isPresent() && probeTimeout.compareTo(envoyTimeout.get()) <= 0) {
            problems.add(new ConfigProblem(probeTimeoutField.path(), "must exceed envoyConnectTimeout ("
                    + Durations.format(envoyTimeout.get()) + ") so that the tail beyond the timeout is seen"));
        }
        IpFamily family = ipFamily(s.at("ipFamily"), base.ipFamily());
        return new ProbeSettings(interval, probeTimeout, window, envoyTimeout, thresholds, minSamples, forDuration, losses,
                family);
    }

    private IpFamily ipFamily(Field field, IpFamily base) {
        String text = text(field);
        if (text == null) {
            return base;
        }
        for (IpFamily f : IpFamily.values()) {
            if (f.label().equals(text)) {
                return f;
            }
        }
        problems.add(new ConfigProblem(field.path(), "must be one of auto, v4, v6 (was '" + text + "')"));
        return base;
    }

    private Thresholds thresholds(Field field, Thresholds base) {
        Section s = section(field);
        if (s == null) {
            return base;
        }
        Field warningField = s.at("warning");
        double warning = number(warningField, base.warning(), 10, "a share of the timeout");
        double critical = number(s.at("critical"), base.critical(), 10, "a share of the timeout");
        if (warning >= critical) {
            problems.add(new ConfigProblem(warningField.path(), "must be below critical (" + critical + ")"));
        }
        Field failureWarningField = s.at("failureWarning");
        double failureWarning = number(failureWarningField, base.failureWarning(), 1, "a share of the attempts");
        double failureCritical = number(s.at("failureCritical"), base.failureCritical(), 1, "a share of the attempts");
        if (failureWarning >= failureCritical) {
            problems.add(new ConfigProblem(failureWarningField.path(),
                    "must be below failureCritical (" + failureCritical + ")"));
        }
        s.close();
        return new Thresholds(warning, critical, failureWarning, failureCritical);
    }

    /** A number above 0 and at most {@code max}; {@code fallback} where absent or wrong (the problem is recorded). */
    private double number(Field field, double fallback, int max, String meaning) {
        JsonNode node = field.node();
        String path = field.path();
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
        Section s = section(new Field(node, path));
        if (s == null) {
            if (node == null || node.isNull()) {
                problems.add(new ConfigProblem(path, "must be a mapping with at least name and host"));
            }
            return null;
        }
        Field nameField = s.at("name");
        String name = requiredText(nameField);
        if (name != null && !TARGET_NAME.matcher(name).matches()) {
            problems.add(new ConfigProblem(nameField.path(),
                    "'" + name + "' must be 1 to 63 characters of a-z, 0-9, '_' and '-' (it becomes a label value)"));
        }
        Field hostField = s.at("host");
        String host = requiredText(hostField);
        if (host != null && !isBareHost(host)) {
            problems.add(new ConfigProblem(hostField.path(), "must be a host name or address, without scheme or port"));
        }
        int port = integer(s.at("port"), 443, 1, 65535);
        String sni = text(s.at("sni"));
        TlsSettings tls = tls(s.at("tls"));
        Optional<HttpCheck> http = http(s.at("http"));
        ProbeSettings settings = settings(s, defaults);
        Map<String, String> labels = labels(s.at("labels"));
        List<String> callers = callers(s.at("callers"));
        s.close();
        if (name == null || host == null) {
            return null;
        }
        return new Target(name, host, port, sni == null ? host : sni, tls, http, settings, labels, callers);
    }

    private TlsSettings tls(Field field) {
        Section s = section(field);
        if (s == null) {
            return TlsSettings.DEFAULT;
        }
        boolean verify = bool(s.at("verify"), true);
        Field caFileField = s.at("caFile");
        String caFile = text(caFileField);
        if (caFile != null && !verify) {
            problems.add(new ConfigProblem(caFileField.path(), "has no effect with verify: false; remove one of them"));
        }
        Field certField = s.at("certFile");
        Field keyField = s.at("keyFile");
        String certFile = text(certField);
        String keyFile = text(keyField);
        if (certFile != null && keyFile == null) {
            problems.add(new ConfigProblem(keyField.path(), "is required with certFile: the private key of the client certificate"));
        } else if (keyFile != null && certFile == null) {
            problems.add(new ConfigProblem(certField.path(), "is required with keyFile: the client certificate chain"));
        }
        s.close();
        Optional<TlsSettings.ClientCertificate> client = certFile == null || keyFile == null ? Optional.empty()
                : Optional.of(new TlsSettings.ClientCertificate(Path.of(certFile), Path.of(keyFile)));
        return new TlsSettings(verify, Optional.ofNullable(caFile).map(Path::of), client);
    }

    private Optional<HttpCheck> http(Field field) {
        Section s = section(field);
        if (s == null) {
            return Optional.empty();
        }
        Field pathField = s.at("path");
        String requestPath = text(pathField);
        if (requestPath == null) {
            requestPath = "/";
        } else if (!requestPath.startsWith("/") || requestPath.chars().anyMatch(c -> c <= ' ' || c == 127)) {
            problems.add(new ConfigProblem(pathField.path(), "must start with '/' and contain no spaces or control characters"));
        }
        Set<Integer> statuses = new LinkedHashSet<>();
        Field statusField = s.at("expectStatus");
        JsonNode statusNode = statusField.node();
        if (statusNode == null || statusNode.isNull()) {
            statuses.addAll(HttpCheck.DEFAULT_STATUS);
        } else if (!statusNode.isArray() || statusNode.isEmpty()) {
            problems.add(new ConfigProblem(statusField.path(), "must be a non-empty list of HTTP status codes"));
        } else {
            for (int i = 0; i < statusNode.size(); i++) {
                statuses.add(integer(new Field(statusNode.get(i), statusField.path() + "[" + i + "]"), 200, 100, 599));
            }
        }
        s.close();
        return Optional.of(new HttpCheck(requestPath, statuses));
    }

    /** The namespaces whose applications call the host: each a namespace name, once. */
    private List<String> callers(Field field) {
        JsonNode node = field.node();
        List<String> callers = new ArrayList<>();
        if (node == null || node.isNull()) {
            return callers;
        }
        if (!node.isArray()) {
            problems.add(new ConfigProblem(field.path(), "must be a list of namespace names"));
            return callers;
        }
        for (int i = 0; i < node.size(); i++) {
            String path = field.path() + "[" + i + "]";
            String ns = node.get(i).isTextual() ? node.get(i).asText() : null;
            if (ns == null || !NAMESPACE.matcher(ns).matches()) {
                problems.add(new ConfigProblem(path, "must be a namespace name: 1 to 63 characters of a-z, 0-9 and '-',"
                        + " starting and ending with a letter or digit"));
            } else if (callers.contains(ns)) {
                problems.add(new ConfigProblem(path, "'" + ns + "' is listed twice"));
            } else {
                callers.add(ns);
            }
        }
        return callers;
    }

    private Map<String, String> labels(Field field) {
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode node = object(field);
        String path = field.path();
        if (node == null) {
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

    /**
     * Labels added to the daemon's alerts: any valid Prometheus label name but the ones the alert itself sets
     * (Notification.LABELS), which an external label must not override, as Prometheus's own must not.
     */
    private Map<String, String> externalLabels(Field field) {
        Map<String, String> labels = new LinkedHashMap<>();
        JsonNode node = object(field);
        if (node == null) {
            return labels;
        }
        node.properties().forEach(e -> {
            String key = e.getKey();
            String keyPath = join(field.path(), key);
            if (!LABEL_NAME.matcher(key).matches() || key.startsWith("__")) {
                problems.add(new ConfigProblem(keyPath, "is not a valid Prometheus label name"));
            } else if (ALERT_LABELS.contains(key)) {
                problems.add(new ConfigProblem(keyPath, "is reserved: every alert sets this label itself"));
            } else if (!e.getValue().isTextual() || e.getValue().asText().isEmpty()) {
                problems.add(new ConfigProblem(keyPath, "must be a non-empty string"));
            } else {
                labels.put(key, e.getValue().asText());
            }
        });
        return labels;
    }

    private DiscoverySettings discovery(Section s) {
        if (s == null) {
            return DiscoverySettings.DEFAULT;
        }
        Section se = section(s.at("serviceEntries"));
        s.close();
        if (se == null) {
            return DiscoverySettings.DEFAULT;
        }
        boolean enabled = bool(se.at("enabled"), false);
        String selector = text(se.at("labelSelector"));
        se.close();
        return new DiscoverySettings(enabled, selector == null ? DiscoverySettings.DEFAULT.labelSelector() : selector);
    }

    private EnvoySettings envoy(Section s) {
        if (s == null) {
            return EnvoySettings.DEFAULT;
        }
        URI admin = httpUrl(s.at("adminUrl")).orElse(EnvoySettings.DEFAULT.adminUrl());
        URI ready = httpUrl(s.at("readyUrl")).orElse(EnvoySettings.DEFAULT.readyUrl());
        Duration refresh = positiveDuration(s.at("refresh"), EnvoySettings.DEFAULT.refresh());
        long answerLimit = byteSize(s.at("answerLimit"), EnvoySettings.DEFAULT_ANSWER_LIMIT);
        s.close();
        return new EnvoySettings(admin, ready, refresh, answerLimit);
    }

    private KubernetesSettings kubernetes(Section s) {
        if (s == null) {
            return KubernetesSettings.DEFAULT;
        }
        KubernetesSettings.Toggle enabled = KubernetesSettings.Toggle.AUTO;
        Field enabledField = s.at("enabled");
        JsonNode e = enabledField.node();
        if (e != null && !e.isNull()) {
            if (e.isBoolean()) {
                enabled = e.asBoolean() ? KubernetesSettings.Toggle.TRUE : KubernetesSettings.Toggle.FALSE;
            } else if (!"auto".equals(e.asText())) {
                problems.add(new ConfigProblem(enabledField.path(), "must be auto, true or false"));
            }
        }
        boolean events = bool(s.at("events"), true);
        s.close();
        return new KubernetesSettings(enabled, events);
    }

    private MetricsSettings metrics(Section s) {
        if (s == null) {
            return MetricsSettings.DEFAULT;
        }
        MetricsSettings.Runtime runtime = MetricsSettings.DEFAULT.runtime();
        Field runtimeField = s.at("runtime");
        JsonNode r = runtimeField.node();
        if (r != null && !r.isNull()) {
            switch (r.asText()) {
                case "minimal" -> runtime = MetricsSettings.Runtime.MINIMAL;
                case "full" -> runtime = MetricsSettings.Runtime.FULL;
                default -> problems.add(new ConfigProblem(runtimeField.path(), "must be minimal or full"));
            }
        }
        boolean phaseHistograms = bool(s.at("phaseHistograms"), MetricsSettings.DEFAULT.phaseHistograms());
        int addresses = integer(s.at("addressesPerTarget"), MetricsSettings.DEFAULT_ADDRESSES, 1, 64);
        s.close();
        return new MetricsSettings(phaseHistograms, runtime, addresses);
    }

    private AlertingSettings alerting(Section s) {
        if (s == null) {
            return AlertingSettings.DEFAULT;
        }
        Optional<URI> amUrl = Optional.empty();
        Duration resend = AlertingSettings.DEFAULT.alertmanagerResend();
        Section am = section(s.at("alertmanager"));
        if (am != null) {
            amUrl = httpUrl(am.at("url"));
            resend = positiveDuration(am.at("resend"), resend);
            am.close();
        }
        Optional<URI> webhook = Optional.empty();
        Section wh = section(s.at("webhook"));
        if (wh != null) {
            webhook = httpUrl(wh.at("url"));
            wh.close();
        }
        URI runbook = httpUrl(s.at("runbookUrl")).orElse(AlertingSettings.SHIPPED_RUNBOOK);
        Map<String, String> external = externalLabels(s.at("externalLabels"));
        Field stateField = s.at("stateFile");
        String state = text(stateField);
        Optional<Path> stateFile = Optional.empty();
        if (state != null) {
            if (!state.startsWith("/")) {
                problems.add(new ConfigProblem(stateField.path(), "must be an absolute path (a file on a writable"
                        + " volume, such as the DaemonSet's /var/lib/egress-probe)"));
            } else {
                stateFile = Optional.of(Path.of(state));
            }
        }
        s.close();
        return new AlertingSettings(amUrl, resend, webhook, runbook, external, stateFile);
    }

    // --- typed accessors: each records a problem and returns a fallback, so parsing goes on ---

    /** A value of the file and where it is, for messages. */
    private record Field(JsonNode node, String path) {
        boolean present() {
            return node != null;
        }
    }

    /**
     * One mapping of the file. Each key is named once, where it is read ({@link #at}): the keys read are the keys
     * the mapping knows. Keys it holds that were never read are reported on {@link #close}, ahead of the problems
     * its reads found, as a check before the reads would have.
     */
    private final class Section {
        private final JsonNode node;
        private final String path;
        private final int problemsBefore = problems.size();
        private final Set<String> known = new LinkedHashSet<>();

        Section(JsonNode node, String path) {
            this.node = node;
            this.path = path;
        }

        Field at(String key) {
            known.add(key);
            return new Field(node.get(key), join(path, key));
        }

        void close() {
            List<ConfigProblem> unknown = new ArrayList<>();
            node.fieldNames().forEachRemaining(key -> {
                if (!known.contains(key)) {
                    String hint = closest(key, known).map(k -> "; did you mean '" + k + "'?")
                            .orElse(" (known: " + String.join(", ", known.stream().sorted().toList()) + ")");
                    unknown.add(new ConfigProblem(join(path, key), "unknown key" + hint));
                }
            });
            problems.addAll(problemsBefore, unknown);
        }
    }

    /** The mapping at {@code field}, or null where it is absent (or not a mapping, which is a problem). */
    private Section section(Field field) {
        JsonNode node = object(field);
        return node == null ? null : new Section(node, field.path());
    }

    private JsonNode object(Field field) {
        JsonNode node = field.node();
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            problems.add(new ConfigProblem(field.path(), "must be a mapping"));
            return null;
        }
        return node;
    }

    private String text(Field field) {
        JsonNode node = field.node();
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            problems.add(new ConfigProblem(field.path(), "must be a non-empty string"));
            return null;
        }
        return node.asText();
    }

    private String requiredText(Field field) {
        if (field.node() == null || field.node().isNull()) {
            problems.add(new ConfigProblem(field.path(), "is required"));
            return null;
        }
        return text(field);
    }

    private int integer(Field field, int fallback, int min, int max) {
        JsonNode node = field.node();
        if (node == null || node.isNull()) {
            return fallback;
        }
        String range = max == 1_000_000 ? "an integer of at least " + min : "between " + min + " and " + max;
        if (!node.isNumber()) {
            problems.add(new ConfigProblem(field.path(), "is not a number (" + shown(node) + "): it must be " + range));
            return fallback;
        }
        if (!node.isIntegralNumber() || node.asLong() < min || node.asLong() > max) {
            problems.add(new ConfigProblem(field.path(), "must be " + range));
            return fallback;
        }
        return node.asInt();
    }

    /** A value as the file has it, quoted if it is text, for a message. */
    private static String shown(JsonNode node) {
        String text = node.isTextual() ? "\"" + node.asText() + "\"" : node.toString();
        return text.length() > 40 ? text.substring(0, 37) + "..." : text;
    }

    private boolean bool(Field field, boolean fallback) {
        JsonNode node = field.node();
        if (node == null || node.isNull()) {
            return fallback;
        }
        if (!node.isBoolean()) {
            problems.add(new ConfigProblem(field.path(), "must be true or false"));
            return fallback;
        }
        return node.asBoolean();
    }

    private Duration duration(Field field, Duration fallback) {
        JsonNode node = field.node();
        String path = field.path();
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

    private Duration positiveDuration(Field field, Duration fallback) {
        Duration d = duration(field, fallback);
        if (d.isZero() || d.isNegative()) {
            problems.add(new ConfigProblem(field.path(), "must be longer than 0"));
            return fallback;
        }
        return d;
    }

    /** {@code 512KiB}, {@code 32MiB}, {@code 1GiB}: Kubernetes' binary suffixes, as a pod's memory limit is written. */
    private long byteSize(Field field, long fallback) {
        String text = text(field);
        if (text == null) {
            return fallback;
        }
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})(Ki|Mi|Gi)B?").matcher(text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            problems.add(new ConfigProblem(field.path(), "must be a size such as 512KiB, 32MiB or 1GiB (got '" + text + "')"));
            return fallback;
        }
        int shift = switch (m.group(2)) {
            case "Ki" -> 10;
            case "Mi" -> 20;
            default -> 30;
        };
        return Long.parseLong(m.group(1)) << shift;
    }

    private Optional<URI> httpUrl(Field field) {
        String text = text(field);
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
        problems.add(new ConfigProblem(field.path(), "must be an http:// or https:// URL with a host"));
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
            int d = editDistance(key.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
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
