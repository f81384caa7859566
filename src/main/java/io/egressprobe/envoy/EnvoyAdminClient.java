package io.egressprobe.envoy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.egressprobe.route.Destination;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpClosedException;
import io.vertx.core.http.HttpConnectOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the local sidecar's admin API. Only ever GET: the admin API also has endpoints that change or
 * stop the proxy, and a probe must never call them. A request that fails because the kept-alive connection it went
 * out on had been closed (the admin API closes idle ones) is sent once more on a new connection: every request is a
 * read.
 *
 * <p>It asks for what routing needs and no more ({@link SidecarQuestion}): the listeners of the targets' ports by
 * {@code name_regex}, the route configs they name, the clusters they lead to (masked to four fields), the stats of those
 * clusters. Envoy builds a {@code /config_dump} answer on its main thread, and a sidecar in a mesh without {@code Sidecar}
 * scoping holds every service: the whole dump grows with the mesh. Every answer is read as a stream and pruned while it
 * arrives ({@link PrunedTree}, {@link RoutingPruning}), on a worker and one chunk at a time, so that neither the heap nor an
 * event loop that times attempts sees the answer whole; an Envoy that ignores {@code name_regex} (older ones) or
 * {@code resource=} (before 1.13: the whole dump) answers more, and is pruned the same way. An answer larger than the
 * limit is cut off: what it would have told is then unknown, and said so.
 */
public final class EnvoyAdminClient {
    private static final Logger LOG = LoggerFactory.getLogger(EnvoyAdminClient.class);
    static final String CLUSTERS =
            "/config_dump?resource=dynamic_active_clusters&mask=cluster.name,cluster.connect_timeout,cluster.transport_socket,cluster.dns_lookup_family,cluster.type,cluster.cluster_type";
    static final String LISTENERS = "/config_dump?resource=dynamic_listeners";
    static final String ROUTE_CONFIGS = "/config_dump?resource=dynamic_route_configs";
    /**
     * {@code histogram_buckets=cumulative} has Envoy 1.22 and later answer {@code upstream_cx_connect_ms} as its buckets
     * (what the connect timeout is judged on); an older Envoy ignores the parameter and answers quantiles, read as before.
     */
    static final String STATS = "/stats?format=json&histogram_buckets=cumulative&filter=";
    static final String STATS_QUANTILES = "/stats?format=json&filter=";
    private static final String CONNECT_STATS = "upstream_cx_(connect_timeout|connect_fail|total|connect_ms)";
    static final long REQUEST_TIMEOUT_MILLIS = 5000;
    /** The longest regex sent in a query: escaped and encoded it grows to about three times as much. */
    static final int MAX_QUERY_REGEX = 8 * 1024;

    /** The answers read, by what they hold: the size of each one's last answer is exported. */
    public enum Answer {
        LISTENERS, ROUTE_CONFIGS, CLUSTERS, STATS;

        public String label() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    private final Vertx vertx;
    private final URI adminUrl;
    private final long answerLimit;
    private final HttpClientAgent client;
    private final Map<Answer, Long> lastAnswerBytes = new ConcurrentHashMap<>();

    public EnvoyAdminClient(Vertx vertx, URI adminUrl, long answerLimit) {
        this.vertx = vertx;
        this.adminUrl = adminUrl;
        this.answerLimit = answerLimit;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) REQUEST_TIMEOUT_MILLIS));
    }

    public long answerLimit() {
        return answerLimit;
    }

    /** The bytes of each kind's last answer (as far as it was read, where it was cut off at the limit). */
    public Map<Answer, Long> lastAnswerBytes() {
        return Map.copyOf(lastAnswerBytes);
    }

    /** The timeouts of the clusters routing needs for the question's destinations, as the clusters alone say. */
    public Future<ClusterTimeouts> clusterTimeouts(SidecarQuestion question) {
        return clusters(question, question.baseClusters());
    }

    /**
     * The sidecar's listeners and route configs for the question's ports and hosts, and the clusters they lead to. Where
     * the listeners cannot be read (an error, an answer over the limit) the clusters stand alone, with the reason in the
     * config.
     */
    public Future<SidecarConfig> sidecarConfig(String ownNamespace, SidecarQuestion question) {
        RoutingPruning routing = RoutingPruning.listenersAndRoutes(question);
        return read(Answer.LISTENERS, LISTENERS + byName(question.listenerNames()), routing)
                .recover(e -> e instanceof UnsupportedQuery ? read(Answer.LISTENERS, "/config_dump", routing) : Future.failedFuture(e))
                .compose(answer -> {
                    SidecarListeners listeners = ConfigDumpParser.parseAnswers(List.of(answer));
                    return routes(answer, listeners, routing).map(listeners::withRouteConfigs);
                })
                .transform(ar -> {
                    if (ar.failed()) {
                        LOG.atDebug().setCause(ar.cause()).log("Envoy admin API: listeners not read");
                        return clusters(question, question.baseClusters()).map(timeouts -> new SidecarConfig(timeouts,
                                Optional.empty(), ownNamespace, Optional.of(describe(ar.cause()))));
                    }
                    SidecarListeners listeners = ar.result();
                    Set<String> needed = new TreeSet<>(question.baseClusters());
                    for (Destination d : question.destinations()) {
                        listeners.route(d.host(), d.port()).ifPresent(decision -> decision.clusters()
                                .forEach(w -> needed.add(w.name())));
                    }
                    return clusters(question, needed).map(timeouts -> new SidecarConfig(timeouts, Optional.of(listeners),
                            ownNamespace, Optional.empty()));
                });
    }

    /**
     * The route configs the kept listeners name that their answer did not hold: none where it was the whole dump (Envoy
     * before 1.13 ignores {@code resource=}), else asked for by name. Route configs that cannot be read leave the HTTP
     * chains without their routes.
     */
    private Future<Map<String, SidecarListeners.RouteConfig>> routes(JsonNode listenersAnswer, SidecarListeners listeners,
                                                                      RoutingPruning routing) {
        Set<String> names = new TreeSet<>();
        boolean wholeDump = false;
        for (JsonNode config : listenersAnswer.path("configs")) {
            wholeDump |= config.path("@type").asText("").endsWith("RoutesConfigDump");
        }
        listeners.listeners().forEach(l -> l.chains().forEach(c -> c.routeConfig().ifPresent(names::add)));
        if (wholeDump || names.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        return read(Answer.ROUTE_CONFIGS, ROUTE_CONFIGS + byName(SidecarQuestion.exactly(names)), routing)
                .recover(e -> {
                    LOG.atDebug().log("Envoy admin API: route configs not read ({})", e.getMessage());
                    return Future.succeededFuture(noConfigs());
                })
                .map(answer -> ConfigDumpParser.parseAnswers(List.of(answer)).routeConfigs());
    }

    private Future<ClusterTimeouts> clusters(SidecarQuestion question, Set<String> names) {
        RoutingPruning pruning = RoutingPruning.clusters(question, names);
        return read(Answer.CLUSTERS, CLUSTERS + byName(SidecarQuestion.exactly(names)), pruning)
                .recover(e -> e instanceof UnsupportedQuery ? read(Answer.CLUSTERS, "/config_dump", pruning) : Future.failedFuture(e))
                .map(ConfigDumpParser::parsePruned);
    }

    /** Connect stats of the named clusters; empty where the sidecar does not record them (proxyStatsMatcher). */
    public Future<Map<String, ClusterStats>> clusterStats(Set<String> clusters) {
        if (clusters.isEmpty()) {
            return Future.succeededFuture(Map.of());
        }
        // Istio 1.23+ names a cluster's stats "cluster.<name>;.<stat>" (alt_stat_name), earlier ones "cluster.<name>.<stat>".
        String filter = "^cluster\\.(" + SidecarQuestion.exactly(clusters) + ");?\\." + CONNECT_STATS + "$";
        String query = encode(filter.length() <= MAX_QUERY_REGEX ? filter : CONNECT_STATS);
        PrunedTree.Pruning pruning = StatsParser.pruning(clusters);
        // An Envoy that refuses the parameter is asked once more without it: its quantiles are read as before.
        return read(Answer.STATS, STATS + query, pruning)
                .recover(e -> e instanceof UnsupportedQuery ? read(Answer.STATS, STATS_QUANTILES + query, pruning) : Future.failedFuture(e))
                .map(StatsParser::parse);
    }

    /** What went wrong, in words: some failures carry no message of their own. */
    static String describe(Throwable failure) {
        return failure.getMessage() != null ? failure.getMessage() : failure.getClass().getSimpleName()
                + (failure.getStackTrace().length > 0 ? " at " + failure.getStackTrace()[0] : "");
    }

    /**
     * {@code &name_regex=…}, or nothing where the regex is too long for a request line (the names of a thousand targets'
     * clusters): Envoy's admin listener refuses request headers past 60 KiB, and what is not filtered there is pruned
     * here all the same.
     */
    private static String byName(String regex) {
        return regex.length() <= MAX_QUERY_REGEX ? "&name_regex=" + encode(regex) : "";
    }

    private static String encode(String query) {
        return URLEncoder.encode(query, StandardCharsets.UTF_8);
    }

    private static JsonNode noConfigs() {
        return JsonNodeFactory.instance.objectNode().set("configs", JsonNodeFactory.instance.arrayNode());
    }

    private Future<JsonNode> read(Answer answer, String pathAndQuery, PrunedTree.Pruning pruning) {
        return send(client, answer, pathAndQuery, pruning).recover(e -> {
            if (!connectionDropped(e)) {
                return Future.failedFuture(e);
            }
            LOG.atDebug().addKeyValue("path", pathAndQuery).log("Envoy admin API: connection dropped ({}), asking again", e.toString());
            // On a connection of its own: the pool can hand out the dropped one again before it has seen the close.
            HttpConnectOptions own = new HttpConnectOptions().setHost(adminUrl.getHost())
                    .setPort(adminUrl.getPort() >= 0 ? adminUrl.getPort() : "https".equals(adminUrl.getScheme()) ? 443 : 80)
                    .setSsl("https".equals(adminUrl.getScheme())).setConnectTimeout(REQUEST_TIMEOUT_MILLIS);
            return client.connect(own).compose(connection -> send(connection, answer, pathAndQuery, pruning).eventually(connection::close));
        });
    }

    /** Closed or reset under a request; not a connect that failed, which a second try would only repeat. */
    private static boolean connectionDropped(Throwable e) {
        return e instanceof HttpClosedException || e instanceof IOException && !(e instanceof ConnectException);
    }

    private Future<JsonNode> send(HttpClient via, Answer answer, String pathAndQuery, PrunedTree.Pruning pruning) {
        String base = adminUrl.toString().endsWith("/") ? adminUrl.toString().substring(0, adminUrl.toString().length() - 1)
                : adminUrl.toString();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + pathAndQuery)
                .setTimeout(REQUEST_TIMEOUT_MILLIS);
        return via.request(options).compose(request -> {
            Promise<JsonNode> done = Promise.promise();
            // Handlers are set as the headers arrive, before any of the body: a callback run later could find it ended.
            request.response().onFailure(done::tryFail).onSuccess(response -> {
                if (response.statusCode() == 200) {
                    stream(response, answer, pruning, done);
                    return;
                }
                response.body().onComplete(body -> done.tryFail(response.statusCode() == 400 || response.statusCode() == 404
                        ? new UnsupportedQuery(response.statusCode(), base + pathAndQuery)
                        : new IllegalStateException("HTTP " + response.statusCode() + " from " + base + pathAndQuery)));
            });
            request.end().onFailure(done::tryFail);
            return done.future().andThen(ar -> LOG.atDebug().addKeyValue("path", pathAndQuery)
                    .addKeyValue("bytes", lastAnswerBytes.get(answer)).log("Envoy admin API answered"));
        });
    }

    /**
     * The answer fed to a pruned tree a chunk at a time on a worker, the response paused meanwhile: one chunk is held at
     * once, and no event loop parses. Past the limit the request is reset: the sidecar stops sending.
     */
    private void stream(HttpClientResponse response, Answer answer, PrunedTree.Pruning pruning, Promise<JsonNode> done) {
        PrunedTree tree = new PrunedTree(pruning, answerLimit);
        response.handler(chunk -> {
            response.pause();
            vertx.executeBlocking(() -> {
                tree.feed(chunk.getBytes(), 0, chunk.length());
                return null;
            }, true).onComplete(fed -> {
                if (fed.succeeded()) {
                    response.resume();
                } else if (done.tryFail(fed.cause())) {
                    lastAnswerBytes.put(answer, tree.bytes());
                    response.request().reset();
                }
            });
        });
        response.exceptionHandler(done::tryFail);
        response.endHandler(end -> vertx.executeBlocking(tree::end, true).onComplete(ar -> {
            lastAnswerBytes.put(answer, tree.bytes());
            if (ar.succeeded()) {
                done.tryComplete(ar.result());
            } else {
                done.tryFail(ar.cause());
            }
        }));
    }

    public Future<Void> close() {
        return client.close();
    }

    private static final class UnsupportedQuery extends RuntimeException {
        UnsupportedQuery(int status, String url) {
            super("HTTP " + status + " from " + url, null, false, false);
        }
    }
}
