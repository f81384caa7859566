package io.egressprobe.testing;

import io.egressprobe.demo.EnvoyAdminJson;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * A loopback stand-in for the sidecar's admin API, serving a recorded-style {@code /config_dump}, and
 * switchable to the ways a real one fails: HTTP 500, a body that is not JSON, no answer in time.
 */
public final class FakeEnvoyAdmin implements AutoCloseable {
    public enum Mode { HEALTHY, ERROR_500, GARBAGE, SLOW }

    private final HttpServer server;
    private volatile Mode mode = Mode.HEALTHY;
    private volatile String configDump;
    private volatile String stats = "{\"stats\": []}";
    private volatile long configDumpDelayMillis;

    private FakeEnvoyAdmin(HttpServer server) {
        this.server = server;
    }

    public static FakeEnvoyAdmin start(Vertx vertx, String configDump) throws Exception {
        FakeEnvoyAdmin[] self = new FakeEnvoyAdmin[1];
        HttpServer server = vertx.createHttpServer().requestHandler(req -> {
            FakeEnvoyAdmin admin = self[0];
            if (!req.method().name().equals("GET")) {
                req.response().setStatusCode(405).end("this test admin API is read-only too\n");
                return;
            }
            switch (admin.mode) {
                case HEALTHY -> {
                    if (req.path().equals("/config_dump")) {
                        // A dump of clusters alone answers the other resources as a sidecar with nothing else declared.
                        String dump = admin.configDump.contains("ListenersConfigDump") ? admin.configDump
                                : EnvoyAdminJson.resource(req.getParam("resource"), admin.configDump);
                        Runnable answer = () -> req.response().putHeader("Content-Type", "application/json").end(dump);
                        if (admin.configDumpDelayMillis > 0) {
                            vertx.setTimer(admin.configDumpDelayMillis, id -> answer.run());
                        } else {
                            answer.run();
                        }
                    } else if (req.path().equals("/stats") && "json".equals(req.getParam("format"))) {
                        req.response().putHeader("Content-Type", "application/json").end(admin.stats);
                    } else if (req.path().equals("/ready")) {
                        req.response().end("LIVE\n");
                    } else {
                        req.response().setStatusCode(404).end();
                    }
                }
                case ERROR_500 -> req.response().setStatusCode(500).end("internal error\n");
                case GARBAGE -> req.response().putHeader("Content-Type", "application/json").end("{\"configs\": [ {\"@type\"");
                case SLOW -> { } // never answers; the client's own timeout must end the request
            }
        });
        server.listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        FakeEnvoyAdmin admin = new FakeEnvoyAdmin(server);
        admin.configDump = configDump;
        self[0] = admin;
        return admin;
    }

    /** A dynamic-cluster dump, as {@code resource=dynamic_active_clusters&mask=...} answers, for one cluster. */
    public static String dumpWith(String cluster, String connectTimeout) {
        return EnvoyAdminJson.sidecarClusters(cluster, connectTimeout);
    }

    /** {@code /stats?format=json} for one cluster, with Istio 1.23+ names, in the fixtures' shape. */
    public static String statsWith(String cluster, long connectTimeouts, long connections, double p50Millis, double p99Millis) {
        return EnvoyAdminJson.stats("cluster." + cluster + ";.", connectTimeouts, connectTimeouts, connections,
                new double[] {0.1, 0.5, p50Millis, 2, 3, 4, p99Millis, 900, 1000, 1100});
    }

    public void stats(String body) {
        this.stats = body;
    }

    /** Answers {@code /config_dump} only after {@code delay}, as a sidecar with a large dump does; stats at once. */
    public void configDumpDelay(Duration delay) {
        this.configDumpDelayMillis = delay.toMillis();
    }

    public void mode(Mode mode) {
        this.mode = mode;
    }

    public int port() {
        return server.actualPort();
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
        Stop.await(server.close(), Duration.ofSeconds(10));
    }
}
