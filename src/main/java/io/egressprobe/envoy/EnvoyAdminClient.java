package io.egressprobe.envoy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;

/**
 * Reads the local sidecar's admin API. Only ever GET: the admin API also has endpoints that change or
 * stop the proxy, and a probe must never call them.
 */
public final class EnvoyAdminClient {
    static final String CLUSTER_TIMEOUTS =
            "/config_dump?resource=dynamic_active_clusters&mask=cluster.name,cluster.connect_timeout";
    static final String CLUSTER_STATS = "/stats?format=json&filter=upstream_cx_(connect_timeout|connect_fail|total|connect_ms)";
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
        return get(CLUSTER_TIMEOUTS).recover(e -> e instanceof UnsupportedQuery ? get("/config_dump") : Future.failedFuture(e))
                .compose(body -> vertx.executeBlocking(() -> ConfigDumpParser.parse(body), false));
    }

    /** Per-cluster connect stats; empty where the sidecar does not record them (proxyStatsMatcher). */
    public Future<java.util.Map<String, ClusterStats>> clusterStats() {
        return get(CLUSTER_STATS).compose(body -> vertx.executeBlocking(() -> StatsParser.parse(body), false));
    }

    private Future<String> get(String pathAndQuery) {
        String base = adminUrl.toString().endsWith("/") ? adminUrl.toString().substring(0, adminUrl.toString().length() - 1)
                : adminUrl.toString();
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(base + pathAndQuery)
                .setTimeout(REQUEST_TIMEOUT_MILLIS);
        return client.request(options).compose(request -> request.send())
                .compose(response -> response.body().compose(body -> switch (response.statusCode()) {
                    case 200 -> Future.succeededFuture(body.toString());
                    case 400, 404 -> Future.failedFuture(new UnsupportedQuery(response.statusCode()));
                    default -> Future.failedFuture("HTTP " + response.statusCode() + " from " + base + pathAndQuery);
                }));
    }

    public Future<Void> close() {
        return client.close();
    }

    private static final class UnsupportedQuery extends RuntimeException {
        UnsupportedQuery(int status) {
            super("HTTP " + status, null, false, false);
        }
    }
}
