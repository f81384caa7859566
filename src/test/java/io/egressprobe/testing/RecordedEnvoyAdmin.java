package io.egressprobe.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A sidecar's admin API answering from a real capture ({@code src/test/resources/envoy-real}) the way that Envoy
 * answers the daemon's queries. Envoy 1.13 and later: {@code /config_dump?resource=R} answers only R's elements, each
 * with its own {@code @type} ({@code …ClustersConfigDump.DynamicCluster}), {@code mask=} trims each element to the
 * listed field paths, an unknown resource is a 404 and a mask naming no field of the element a 400 (after
 * envoyproxy/envoy {@code config_dump_handler.cc}). Envoy before 1.13 ignores both parameters and answers the whole
 * dump. {@code /stats?format=json} renders a text capture in Envoy's JSON form ({@code nan} becomes null), filtered
 * by the {@code filter} regex. {@code name_regex=} keeps the resources whose whole name matches, as the captures' Envoy
 * 1.26 and 1.28 do; the 1.12 and 1.17 ones answer as an Envoy without it, which ignores an unknown parameter. Like a strict HTTP server, a query holding characters a URI may not hold (such as an
 * unencoded {@code |}) is refused with a 400.
 */
public final class RecordedEnvoyAdmin implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The resources the stand-in knows, with the element type Envoy gives each. */
    private static final Map<String, String> ELEMENT_TYPES = Map.of("dynamic_active_clusters", "DynamicCluster",
            "dynamic_warming_clusters", "DynamicCluster", "static_clusters", "StaticCluster",
            "dynamic_listeners", "DynamicListener", "dynamic_route_configs", "DynamicRouteConfig");
    private static final Set<String> CLUSTER_ELEMENT_FIELDS =
            Set.of("version_info", "cluster", "last_updated", "error_state", "client_status");
    private static final Pattern FIELD_PATH = Pattern.compile("[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)*");
    private static final Pattern URI_QUERY = Pattern.compile("[A-Za-z0-9\\-._~!$&'()*+,;=:@/?%]*");
    private static final Pattern HISTOGRAM_VALUE = Pattern.compile("P([0-9.]+)\\(([^,]+),([^)]+)\\)");

    private final HttpServer server;
    private final JsonNode dump;
    private final boolean filtersConfigDump;
    private final String statsText;
    private final AtomicInteger configDumpRequests = new AtomicInteger();
    private final boolean filtersByName;
    private final List<String> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final java.util.concurrent.atomic.AtomicLong bytesSent = new java.util.concurrent.atomic.AtomicLong();

    private RecordedEnvoyAdmin(HttpServer server, JsonNode dump, boolean filtersConfigDump, boolean filtersByName,
                               String statsText) {
        this.server = server;
        this.filtersByName = filtersByName;
        this.dump = dump;
        this.filtersConfigDump = filtersConfigDump;
        this.statsText = statsText;
    }

    /**
     * @param configDump        a {@code config_dump_istio…_envoyX.Y…json} capture
     * @param statsText         a {@code stats_…txt} capture, or null for a sidecar recording no cluster stats
     */
    public static RecordedEnvoyAdmin start(Vertx vertx, Path configDump, Path statsText) throws Exception {
        JsonNode dump = JSON.readTree(Files.readString(configDump));
        String stats = statsText == null ? "" : Files.readString(statsText);
        HttpServer server = vertx.createHttpServer();
        RecordedEnvoyAdmin admin = new RecordedEnvoyAdmin(server, dump, envoyAtLeast(configDump, 13),
                envoyAtLeast(configDump, 20), stats);
        server.requestHandler(admin::answer);
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return admin;
    }

    /** From the capture's name, as SOURCES.md records it: {@code _envoy1.12.0-dev_} is not at least 1.13. */
    static boolean envoyAtLeast(Path capture, int minor) {
        Matcher m = Pattern.compile("_envoy(\\d+)\\.(\\d+)").matcher(capture.getFileName().toString());
        if (!m.find()) {
            throw new IllegalArgumentException("no Envoy version in " + capture.getFileName());
        }
        int major = Integer.parseInt(m.group(1));
        return major > 1 || Integer.parseInt(m.group(2)) >= minor;
    }

    public int port() {
        return server.actualPort();
    }

    public int configDumpRequests() {
        return configDumpRequests.get();
    }

    /** Every query asked, in order. */
    public List<String> queries() {
        return List.copyOf(queries);
    }

    /** The bytes of every answer's body sent so far. */
    public long bytesSent() {
        return bytesSent.get();
    }

    private void answer(HttpServerRequest req) {
        String query = req.query() == null ? "" : req.query();
        if (!URI_QUERY.matcher(query).matches()) {
            req.response().setStatusCode(400).end("Bad Request\n");
            return;
        }
        if (!req.method().name().equals("GET")) {
            req.response().setStatusCode(405).end();
            return;
        }
        queries.add(req.path() + "?" + query);
        try {
            switch (req.path()) {
                case "/config_dump" -> {
                    configDumpRequests.incrementAndGet();
                    configDump(req);
                }
                case "/stats" -> json(req, 200, stats(req.getParam("filter")));
                case "/ready" -> req.response().end("LIVE\n");
                default -> req.response().setStatusCode(404).end();
            }
        } catch (IllegalArgumentException e) {
            req.response().setStatusCode(400).end("Invalid regex: " + e.getMessage() + "\n");
        } catch (IOException e) {
            req.response().setStatusCode(500).end(e.getMessage());
        }
    }

    private void configDump(HttpServerRequest req) throws IOException {
        String resource = req.getParam("resource");
        if (!filtersConfigDump || resource == null) {
            json(req, 200, dump);
            return;
        }
        for (JsonNode config : dump.get("configs")) {
            if (config.path(resource).isArray() && ELEMENT_TYPES.containsKey(resource)) {
                List<String> mask = req.getParam("mask") == null ? List.of() : List.of(req.getParam("mask").split(","));
                for (String path : mask) {
                    if (!FIELD_PATH.matcher(path).matches() || !resource.endsWith("clusters")
                            || !CLUSTER_ELEMENT_FIELDS.contains(path.split("\\.")[0])) {
                        req.response().setStatusCode(400).end("FieldMask " + mask + " could not be applied\n");
                        return;
                    }
                }
                ArrayNode configs = JsonNodeFactory.instance.arrayNode();
                String elementType = config.get("@type").asText() + "." + ELEMENT_TYPES.get(resource);
                Pattern names = filtersByName && req.getParam("name_regex") != null ? Pattern.compile(req.getParam("name_regex")) : null;
                for (JsonNode element : config.get(resource)) {
                    if (names != null && !names.matcher(resourceName(element)).matches()) {
                        continue; // name_regex: a whole-name match on each resource's name (config_dump_handler.cc buildNameMatcher)
                    }
                    ObjectNode out = JsonNodeFactory.instance.objectNode().put("@type", elementType);
                    out.setAll((ObjectNode) (mask.isEmpty() ? element : masked(element, mask)));
                    configs.add(out);
                }
                json(req, 200, JsonNodeFactory.instance.objectNode().set("configs", configs));
                return;
            }
        }
        req.response().setStatusCode(404).end("The resource " + resource + " was not found\n");
    }

    /** A listener's, cluster's or route config's own name, as {@code name_regex} matches it. */
    private static String resourceName(JsonNode element) {
        for (String wrapper : List.of("cluster", "route_config")) {
            if (element.has(wrapper)) {
                return element.get(wrapper).path("name").asText("");
            }
        }
        return element.path("name").asText("");
    }

    /** The element with only the listed field paths (an embedded message keeps its {@code @type}, as Envoy's does). */
    private static JsonNode masked(JsonNode element, List<String> paths) {
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        for (String path : paths) {
            JsonNode from = element;
            ObjectNode to = out;
            String[] fields = path.split("\\.");
            for (int i = 0; i < fields.length && from.has(fields[i]); i++) {
                JsonNode next = from.get(fields[i]);
                if (i == fields.length - 1 || !next.isObject()) {
                    to.set(fields[i], next);
                    break;
                }
                ObjectNode child = to.has(fields[i]) ? (ObjectNode) to.get(fields[i]) : to.putObject(fields[i]);
                if (next.has("@type")) {
                    child.set("@type", next.get("@type"));
                }
                from = next;
                to = child;
            }
        }
        return out;
    }

    /** Envoy's {@code /stats?format=json} for the text capture's lines whose name the filter finds. */
    private JsonNode stats(String filter) {
        Pattern names;
        try {
            names = filter == null ? Pattern.compile("") : Pattern.compile(filter);
        } catch (PatternSyntaxException e) {
            throw new IllegalArgumentException(e);
        }
        ArrayNode stats = JsonNodeFactory.instance.arrayNode();
        ArrayNode histograms = JsonNodeFactory.instance.arrayNode();
        List<Double> supported = new ArrayList<>();
        for (String line : statsText.split("\n")) {
            int colon = line.indexOf(": ");
            if (colon < 0 || !names.matcher(line.substring(0, colon)).find()) {
                continue;
            }
            String name = line.substring(0, colon);
            String value = line.substring(colon + 2).trim();
            if (value.startsWith("P0(")) {
                ArrayNode values = JsonNodeFactory.instance.arrayNode();
                supported.clear();
                for (Matcher m = HISTOGRAM_VALUE.matcher(value); m.find(); ) {
                    supported.add(Double.parseDouble(m.group(1)));
                    values.addObject().set("interval", number(m.group(2)));
                    ((ObjectNode) values.get(values.size() - 1)).set("cumulative", number(m.group(3)));
                }
                histograms.addObject().put("name", name).set("values", values);
            } else if (value.startsWith("\"")) {
                stats.addObject().put("name", name).put("value", value.substring(1, value.length() - 1));
            } else if (!value.equals("No recorded values")) {
                stats.addObject().put("name", name).put("value", Long.parseLong(value));
            }
        }
        if (!histograms.isEmpty()) {
            ObjectNode h = stats.addObject().putObject("histograms");
            ArrayNode quantiles = h.putArray("supported_quantiles");
            supported.forEach(quantiles::add);
            h.set("computed_quantiles", histograms);
        }
        return JsonNodeFactory.instance.objectNode().set("stats", stats);
    }

    private static JsonNode number(String text) {
        return text.equals("nan") ? JsonNodeFactory.instance.nullNode()
                : JsonNodeFactory.instance.numberNode(Double.parseDouble(text));
    }

    private void json(HttpServerRequest req, int status, JsonNode body) throws IOException {
        String text = JSON.writeValueAsString(body);
        bytesSent.addAndGet(text.length());
        req.response().setStatusCode(status).putHeader("Content-Type", "application/json").end(text);
    }

    /** Every capture of one kind in the folder. */
    public static List<Path> captures(Path folder, String prefix) throws IOException {
        try (var files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().startsWith(prefix)).sorted().toList();
        }
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
        Stop.await(server.close(), Duration.ofSeconds(10));
    }
}
