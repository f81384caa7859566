package io.egressprobe.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;

/**
 * A sidecar's admin API in a mesh of N services, its answers grown as Istio grows a sidecar's config without
 * {@code Sidecar} scoping and written as they are generated (chunked), never held whole. Per service: an outbound
 * cluster, a VIP listener ({@code 10.x.y.z_<port>}) with a tcp_proxy chain, a chain by SNI on {@code 0.0.0.0_443} (as a
 * TLS ServiceEntry adds one) and a virtual host in route config {@code 80}; plus {@code virtualOutbound},
 * {@code 0.0.0.0_80} naming that route config, {@code PassthroughCluster} and {@code BlackHoleCluster}. The services'
 * hosts are {@code svc-<i>.ns-<i%50>.svc.cluster.local} (VIP listeners, port 8000+i%1000), {@code api-<i>.partner-<i%97>.example.com}
 * (443, by SNI) and {@code web-<i>.ns-<i%50>.svc.cluster.local} (80, HTTP). {@code name_regex=} is honoured as Envoy does
 * (a whole-name match), or ignored as an Envoy without it does. Everything listens on 127.0.0.1.
 */
public final class GrownEnvoyAdmin implements AutoCloseable {
    private final HttpServer server;
    private final int services;
    private final boolean honoursNameRegex;
    private final AtomicLong bytesSent = new AtomicLong();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong listenerReads = new AtomicLong();

    private GrownEnvoyAdmin(HttpServer server, int services, boolean honoursNameRegex) {
        this.server = server;
        this.services = services;
        this.honoursNameRegex = honoursNameRegex;
    }

    public static GrownEnvoyAdmin start(int services, boolean honoursNameRegex, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 16);
        GrownEnvoyAdmin admin = new GrownEnvoyAdmin(server, services, honoursNameRegex);
        server.createContext("/", admin::answer);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "grown-envoy-admin");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return admin;
    }

    public int port() {
        return server.getAddress().getPort();
    }

    public long bytesSent() {
        return bytesSent.get();
    }

    public long requests() {
        return requests.get();
    }

    private void answer(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
        String path = exchange.getRequestURI().getPath();
        try (exchange) {
            if (path.equals("/ready")) {
                send(exchange, 200, "LIVE\n");
                return;
            }
            if (path.equals("/stats")) {
                send(exchange, 200, "{\"stats\": []}");
                return;
            }
            if (!path.equals("/config_dump")) {
                send(exchange, 404, "");
                return;
            }
            Pattern names = honoursNameRegex && query.containsKey("name_regex") ? Pattern.compile(query.get("name_regex")) : null;
            String resource = query.getOrDefault("resource", "");
            if (!resource.equals("dynamic_listeners") && !resource.equals("dynamic_route_configs")
                    && !resource.equals("dynamic_active_clusters")) {
                send(exchange, 404, resource + " not found in config dump\n");
                return;
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, 0);
            if (resource.equals("dynamic_listeners")) {
                listenerReads.incrementAndGet();
            }
            answer(resource, services, names, exchange.getResponseBody(), bytesSent);
        }
    }

    /**
     * The answer to {@code resource=<resource>} of a sidecar in a mesh of {@code services} services, written to
     * {@code out} as it is generated; {@code names} is {@code name_regex}, or null.
     */
    public static void answer(String resource, int services, Pattern names, OutputStream out, AtomicLong bytesSent)
            throws IOException {
        try (Writer w = new Writer(out, bytesSent)) {
            w.write("{\"configs\": [");
            switch (resource) {
                case "dynamic_listeners" -> listeners(w, services, names);
                case "dynamic_route_configs" -> routes(w, services, names);
                default -> clusters(w, services, names);
            }
            w.write("]}");
        }
    }

    private static void listeners(Writer out, int services, Pattern names) throws IOException {
        for (int i = 0; i < services; i++) {
            String address = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255);
            int port = 8000 + i % 1000;
            out.element(names, address + "_" + port, listenerHead(address, port) + tcpChain("{}",
                    "outbound|" + port + "||svc-" + i + ".ns-" + i % 50 + ".svc.cluster.local") + "]}}}");
        }
        if (wanted(names, "0.0.0.0_443")) {
            out.element(null, "0.0.0.0_443", listenerHead("0.0.0.0", 443));
            for (int i = 0; i < services; i++) {
                String host = "api-" + i + ".partner-" + i % 97 + ".example.com";
                out.write((i == 0 ? "" : ",") + tcpChain("{\"server_names\": [\"" + host + "\"]}", "outbound|443||" + host));
            }
            out.write("]}}}");
        }
        out.element(names, "0.0.0.0_80", listenerHead("0.0.0.0", 80) + "{\"filter_chain_match\": {}, \"filters\": [{\"name\":"
                + " \"envoy.filters.network.http_connection_manager\", \"typed_config\": {\"@type\": \"type.googleapis.com/"
                + "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager\", \"stat_prefix\":"
                + " \"outbound_0.0.0.0_80\", \"rds\": {\"route_config_name\": \"80\"}, \"http_filters\": [{\"name\":"
                + " \"envoy.filters.http.router\"}]}}]}]}}}");
        out.element(names, "virtualOutbound", listenerHead("0.0.0.0", 15001).replace("\"0.0.0.0_15001\"", "\"virtualOutbound\"")
                + tcpChain("{}", "PassthroughCluster") + "]}}}");
    }

    private static void routes(Writer out, int services, Pattern names) throws IOException {
        if (!wanted(names, "80")) {
            return;
        }
        out.element(null, "80", "{\"@type\": \"type.googleapis.com/envoy.admin.v3.RoutesConfigDump.DynamicRouteConfig\","
                + " \"version_info\": \"2026-12-06T00:00:00Z/42\", \"route_config\": {\"@type\": "
                + "\"type.googleapis.com/envoy.config.route.v3.RouteConfiguration\", \"name\": \"80\", \"virtual_hosts\": [");
        for (int i = 0; i < services; i++) {
            String host = "web-" + i + ".ns-" + i % 50 + ".svc.cluster.local";
            out.write((i == 0 ? "" : ",") + "{\"name\": \"" + host + ":80\", \"domains\": [\"" + host + "\", \"" + host
                    + ":80\"], \"routes\": [{\"match\": {\"prefix\": \"/\"}, \"route\": {\"cluster\": \"outbound|80||" + host
                    + "\", \"timeout\": \"0s\", \"retry_policy\": {\"retry_on\": \"connect-failure,refused-stream,unavailable,"
                    + "cancelled,retriable-status-codes\", \"num_retries\": 2}}}]}");
        }
        out.write("]}}");
    }

    private static void clusters(Writer out, int services, Pattern names) throws IOException {
        out.element(names, "PassthroughCluster", cluster("PassthroughCluster", "10s"));
        out.element(names, "BlackHoleCluster", cluster("BlackHoleCluster", "10s"));
        for (int i = 0; i < services; i++) {
            for (String name : new String[] {"outbound|" + (8000 + i % 1000) + "||svc-" + i + ".ns-" + i % 50 + ".svc.cluster.local",
                    "outbound|443||api-" + i + ".partner-" + i % 97 + ".example.com",
                    "outbound|80||web-" + i + ".ns-" + i % 50 + ".svc.cluster.local"}) {
                out.element(names, name, cluster(name, i % 10 == 0 ? "1s" : "10s"));
            }
        }
    }

    private static boolean wanted(Pattern names, String name) {
        return names == null || names.matcher(name).matches();
    }

    private static String cluster(String name, String timeout) {
        return "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster\", \"cluster\": {\"@type\":"
                + " \"type.googleapis.com/envoy.config.cluster.v3.Cluster\", \"name\": \"" + name + "\", \"connect_timeout\": \""
                + timeout + "\"}}";
    }

    private static String listenerHead(String address, int port) {
        return "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener\", \"name\": \"" + address
                + "_" + port + "\", \"active_state\": {\"version_info\": \"2026-12-06T00:00:00Z/42\", \"listener\": {"
                + "\"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\", \"name\": \"" + address + "_" + port
                + "\", \"address\": {\"socket_address\": {\"address\": \"" + address + "\", \"port_value\": " + port + "}},"
                + " \"filter_chains\": [";
    }

    private static String tcpChain(String match, String cluster) {
        return "{\"filter_chain_match\": " + match + ", \"filters\": [{\"name\": \"envoy.filters.network.tcp_proxy\","
                + " \"typed_config\": {\"@type\": \"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\","
                + " \"stat_prefix\": \"" + cluster + "\", \"cluster\": \"" + cluster + "\", \"access_log\": [{\"name\":"
                + " \"envoy.access_loggers.file\", \"typed_config\": {\"path\": \"/dev/stdout\", \"log_format\":"
                + " {\"text_format_source\": {\"inline_string\": \"[%START_TIME%] %RESPONSE_FLAGS% %UPSTREAM_HOST%"
                + " %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS%\"}}}}]}}]}";
    }

    private static void send(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            exchange.getResponseBody().write(bytes);
        }
    }

    private static Map<String, String> query(String raw) {
        Map<String, String> params = new HashMap<>();
        if (raw != null) {
            for (String pair : raw.split("&")) {
                int eq = pair.indexOf('=');
                params.put(URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8),
                        eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
            }
        }
        return params;
    }

    /** Buffers about 64 KiB before each write; separates the array's elements; counts what it sent. */
    private static final class Writer implements AutoCloseable {
        private final OutputStream out;
        private final AtomicLong bytesSent;
        private final StringBuilder buffer = new StringBuilder(1 << 17);
        private boolean first = true;

        Writer(OutputStream out, AtomicLong bytesSent) {
            this.out = out;
            this.bytesSent = bytesSent;
        }

        /** One element of {@code configs}, where its name is wanted (a null pattern wants every name). */
        void element(Pattern names, String name, String json) throws IOException {
            if (wanted(names, name)) {
                write((first ? "" : ",") + json);
                first = false;
            }
        }

        void write(String text) throws IOException {
            buffer.append(text);
            if (buffer.length() > 1 << 16) {
                flush();
            }
        }

        private void flush() throws IOException {
            byte[] bytes = buffer.toString().getBytes(StandardCharsets.UTF_8);
            bytesSent.addAndGet(bytes.length);
            out.write(bytes);
            buffer.setLength(0);
        }

        @Override
        public void close() throws IOException {
            flush();
            out.close();
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }

    /**
     * {@code GrownEnvoyAdmin SERVICES PORT [ignore-name-regex]}: serves until killed; prints every second the requests,
     * the reads of the listeners (one a refresh) and the bytes sent so far.
     */
    public static void main(String[] args) throws Exception {
        GrownEnvoyAdmin admin = start(Integer.parseInt(args[0]), !(args.length > 2 && args[2].equals("ignore-name-regex")),
                Integer.parseInt(args[1]));
        System.out.println("listening on " + admin.port());
        while (true) {
            Thread.sleep(1000);
            System.out.println("requests=" + admin.requests() + " refreshes=" + admin.listenerReads.get() + " bytes="
                    + admin.bytesSent());
        }
    }
}
