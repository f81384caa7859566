package io.egressprobe.envoy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClient;
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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the local sidecar's admin API. Only ever GET: the admin API also has endpoints that change or
 * stop the proxy, and a probe must never call them. A request that fails because the kept-alive connection it went
 * out on had been closed (the admin API closes idle ones) is sent once more on a new connection: every request is a
 * read.
 */
public final class EnvoyAdminClient {
    private static final Logger LOG = LoggerFactory.getLogger(EnvoyAdminClient.class);
    static final String CLUSTER_TIMEOUTS =
            "/config_dump?resource=dynamic_active_clusters&mask=cluster.name,cluster.connect_timeout,cluster.transport_socket,cluster.dns_lookup_family";
    static final String LISTENERS = "/config_dump?resource=dynamic_listeners";
    static final String ROUTE_CONFIGS = "/config_dump?resource=dynamic_route_configs";
    /** The filter is a regex: its {@code |} and parentheses are encoded, as a URI's query requires. */
    static final String CLUSTER_STATS = "/stats?format=json&filter="
            + URLEncoder.encode("upstream_cx_(connect_timeout|connect_fail|total|connect_ms)", StandardCharsets.UTF_8);
    static final long REQUEST_TIMEOUT_MILLIS = 5000;

    private final Vertx vertx;
    private final URI adminUrl;
    private final HttpClientAgent client;

    public EnvoyAdminClient(Vertx vertx, URI adminUrl) {
        this.vertx = vertx;
        this.adminUrl = adminUrl;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) REQUEST_TIMEOUT_MILLIS));
    }

    /** The sidecar's cluster timeouts; the full dump where an older Envoy refuses {@code resource=}. */
    public Future<ClusterTimeouts> clusterTimeouts() {
        return clustersAnswer().compose(body -> vertx.executeBlocking(() -> ConfigDumpParser.parse(body), false));
    }

    /**
     * The sidecar's clusters and, where it answers them, its listeners and route configs: from the clusters' answer
     * itself where that was the whole dump (Envoy before 1.13 ignores {@code resource=}), else from their own
     * requests. Listeners that cannot be read leave the clusters standing alone, with the reason in the config.
     */
    public Future<SidecarConfig> sidecarConfig(String ownNamespace) {
        return clustersAnswer().compose(clusters -> {
            Future<List<String>> listenerBodies = clusters.contains("ListenersConfigDump\"") ? Future.succeededFuture(List.of(clusters))
                    : Future.all(get(LISTENERS), get(ROUTE_CONFIGS).recover(e -> Future.succeededFuture("{\"configs\": []}")))
                    .map(all -> List.of(all.<String>resultAt(0), all.<String>resultAt(1)));
            return listenerBodies.transform(ar -> vertx.executeBlocking(() -> {
                ClusterTimeouts timeouts = ConfigDumpParser.parse(clusters);
                if (ar.failed()) {
                    return new SidecarConfig(timeouts, Optional.empty(), ownNamespace, Optional.of(String.valueOf(ar.cause().getMessage())));
                }
                try {
                    return new SidecarConfig(timeouts, Optional.of(ConfigDumpParser.parseListeners(ar.result())), ownNamespace,
                            Optional.empty());
                } catch (IllegalArgumentException e) {
                    return new SidecarConfig(timeouts, Optional.empty(), ownNamespace, Optional.of(e.getMessage()));
                }
            }, false));
        });
    }

    private Future<String> clustersAnswer() {
        return get(CLUSTER_TIMEOUTS).recover(e -> e instanceof UnsupportedQuery ? get("/config_dump") : Future.failedFuture(e));
    }

    /** Per-cluster connect stats; empty where the sidecar does not record them (proxyStatsMatcher). */
    public Future<Map<String, ClusterStats>> clusterStats() {
        return get(CLUSTER_STATS).compose(body -> vertx.executeBlocking(() -> StatsParser.parse(body), false));
    }

    private Future<String> get(String pathAndQuery) {
        return send(client, pathAndQuery).recover(e -> {
            if (!connectionDropped(e)) {
                return Future.failedFuture(e);
            }
            LOG.atDebug().addKeyValue("path", pathAndQuery).log("Envoy admin API: connection dropped ({}), asking again", e.toString());
            // On a connection of its own: the pool can hand out the dropped one again before it has seen the close.
            HttpConnectOptions own = new HttpConnectOptions().setHost(adminUrl.getHost())
                    .setPort(adminUrl.getPort() >= 0 ? adminUrl.getPort() : "https".equals(adminUrl.getScheme()) ? 443 : 80)
                    .setSsl("https".equals(adminUrl.getScheme())).setConnectTimeout(REQUEST_TIMEOUT_MILLIS);
            return client.connect(own).compose(connection -> send(connection, pathAndQuery).eventually(connection::close));
        });
    }

    /** Closed or reset under a request; not a connect that failed, which a second try would only repeat. */
    private static boolean connectionDropped(Throwable e) {
        return e instanceof HttpClosedException || e instanceof IOException && !(e instanceof ConnectException);
    }

    private Future<String> send(HttpClient via, String pathAndQuery) {
        String base = adminUrl.toString().endsWith("/") ? adminUrl.toString().substring(0, adminUrl.toString().length() - 1)
                : adminUrl.toString();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + pathAndQuery)
                .setTimeout(REQUEST_TIMEOUT_MILLIS);
        return via.request(options).compose(request -> request.send())
                .compose(response -> response.body().compose(body -> {
                    LOG.atDebug().addKeyValue("path", pathAndQuery).addKeyValue("status", response.statusCode())
                            .addKeyValue("bytes", body.length()).log("Envoy admin API answered");
                    return answer(base + pathAndQuery, response.statusCode(), body.toString());
                }));
    }

    private static Future<String> answer(String url, int status, String body) {
        return switch (status) {
            case 200 -> Future.succeededFuture(body);
            case 400, 404 -> Future.failedFuture(new UnsupportedQuery(status, url));
            default -> Future.failedFuture("HTTP " + status + " from " + url);
        };
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
