package io.egressprobe.demo;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.function.BiFunction;

/**
 * The demo's stand-in for the sidecar's admin API: {@code /ready} answers LIVE, {@code /config_dump}
 * reports the cluster of the identity service with the proxy's connect timeout, in the form Envoy
 * answers {@code resource=dynamic_active_clusters}, and {@code /stats?format=json} the proxy's own count of its
 * upstream connects (the JSON form, with the connect histogram's buckets where {@code histogram_buckets=cumulative} asks
 * for them; the daemon's filter is a regex the demo need not apply). Read-only, loopback only.
 */
public final class DemoEnvoyAdmin implements AutoCloseable {
    private final HttpServer server;

    private DemoEnvoyAdmin(HttpServer server) {
        this.server = server;
    }

    public static DemoEnvoyAdmin start(String cluster, Duration connectTimeout, BiFunction<String, String, String> statsJson)
            throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        String dump = EnvoyAdminJson.sidecarClusters(cluster,
                String.format(Locale.ROOT, "%.3fs", connectTimeout.toMillis() / 1000.0));
        server.createContext("/ready", exchange -> answer(exchange, 200, "LIVE\n"));
        server.createContext("/config_dump", exchange -> answer(exchange, 200,
                EnvoyAdminJson.resource(resourceOf(exchange.getRequestURI().getQuery()), dump)));
        server.createContext("/stats", exchange -> answer(exchange, 200, statsJson.apply(cluster,
                exchange.getRequestURI().getRawQuery())));
        server.createContext("/", exchange -> answer(exchange, 404, "not found\n"));
        server.start();
        return new DemoEnvoyAdmin(server);
    }

    private static String resourceOf(String query) {
        for (String part : query == null ? new String[0] : query.split("&")) {
            if (part.startsWith("resource=")) {
                return part.substring("resource=".length());
            }
        }
        return null;
    }

    private static void answer(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        boolean get = exchange.getRequestMethod().equals("GET");
        exchange.sendResponseHeaders(get ? status : 405, get ? bytes.length : -1);
        try (OutputStream out = exchange.getResponseBody()) {
            if (get) {
                out.write(bytes);
            }
        }
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
