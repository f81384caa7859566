package io.egressprobe.envoy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A sidecar's {@code resource=dynamic_listeners} answer grown as Istio grows it, written in chunks and never whole: per
 * service in the mesh a VIP listener ({@code 10.x.y.z_<port>}) with a tcp_proxy chain to the service's cluster, and one
 * shared {@code 0.0.0.0_443} listener with a chain per service by SNI, as TLS ServiceEntries add them; plus
 * {@code virtualOutbound}. Its {@code main} streams one through the routing pruning in a JVM whose heap is far smaller than
 * the answer, printing what was kept.
 */
public final class GrownDump {
    private GrownDump() {}

    /** Writes the answer for {@code services} services to {@code chunks}, about 64 KiB at a time. */
    public static long write(int services, Consumer<byte[]> chunks) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(1 << 17);
        long[] total = {0};
        Runnable flush = () -> {
            byte[] bytes = out.toByteArray();
            total[0] += bytes.length;
            chunks.accept(bytes);
            out.reset();
        };
        write(out, "{\"configs\": [");
        for (int i = 0; i < services; i++) {
            String host = "svc-" + i + ".ns-" + (i % 50) + ".svc.cluster.local";
            write(out, (i == 0 ? "" : ",") + listener("10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255), 8000 + i % 1000,
                    "{\"filter_chain_match\": {}, \"filters\": [" + tcpProxy("outbound|" + (8000 + i % 1000) + "||" + host) + "]}"));
            if (out.size() > 1 << 16) {
                flush.run();
            }
        }
        write(out, "," + listenerHead("0.0.0.0", 443));
        for (int i = 0; i < services; i++) {
            String host = "api-" + i + ".partner-" + (i % 97) + ".example.com";
            write(out, (i == 0 ? "" : ",") + "{\"filter_chain_match\": {\"server_names\": [\"" + host + "\"]}, \"filters\": ["
                    + tcpProxy("outbound|443||" + host) + "]}");
            if (out.size() > 1 << 16) {
                flush.run();
            }
        }
        write(out, "]}}},");
        write(out, listener("0.0.0.0", 15001, "{\"filter_chain_match\": {}, \"filters\": [" + tcpProxy("PassthroughCluster") + "]}")
                .replace("\"0.0.0.0_15001\"", "\"virtualOutbound\""));
        write(out, "]}");
        flush.run();
        return total[0];
    }

    private static String listener(String address, int port, String chain) {
        return listenerHead(address, port) + chain + "]}}}";
    }

    private static String listenerHead(String address, int port) {
        return "{\"@type\": \"type.googleapis.com/envoy.admin.v3.ListenersConfigDump.DynamicListener\", \"name\": \"" + address
                + "_" + port + "\", \"active_state\": {\"version_info\": \"2026-12-06T00:00:00Z/42\", \"listener\": {"
                + "\"@type\": \"type.googleapis.com/envoy.config.listener.v3.Listener\", \"name\": \"" + address + "_" + port
                + "\", \"address\": {\"socket_address\": {\"address\": \"" + address + "\", \"port_value\": " + port + "}},"
                + " \"filter_chains\": [";
    }

    private static String tcpProxy(String cluster) {
        return "{\"name\": \"envoy.filters.network.tcp_proxy\", \"typed_config\": {\"@type\": "
                + "\"type.googleapis.com/envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy\", \"stat_prefix\": \""
                + cluster + "\", \"cluster\": \"" + cluster + "\", \"access_log\": [{\"name\": \"envoy.access_loggers.file\","
                + " \"typed_config\": {\"path\": \"/dev/stdout\", \"log_format\": {\"text_format_source\": {\"inline_string\":"
                + " \"[%START_TIME%] %RESPONSE_FLAGS% %UPSTREAM_HOST% %UPSTREAM_CLUSTER% %DOWNSTREAM_REMOTE_ADDRESS%\"}}}}]}}";
    }

    private static void write(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
    }

    /** {@code GrownDump SERVICES HOST PORT}: streams the answer through the pruning; prints bytes, listeners and chains kept. */
    public static void main(String[] args) {
        SidecarQuestion question = SidecarQuestion.of(java.util.List.of(new io.egressprobe.route.Destination(args[1],
                Integer.parseInt(args[2]))));
        PrunedTree tree = new PrunedTree(RoutingPruning.listenersAndRoutes(question), Long.MAX_VALUE);
        long bytes = write(Integer.parseInt(args[0]), chunk -> tree.feed(chunk, 0, chunk.length));
        SidecarListeners listeners = ConfigDumpParser.parseAnswers(java.util.List.of(tree.end()));
        System.out.println("bytes=" + bytes + " listeners=" + listeners.listeners().size() + " chains="
                + listeners.listeners().stream().mapToInt(l -> l.chains().size()).sum() + " route="
                + listeners.route(args[1], Integer.parseInt(args[2])).map(d -> d.clusters().get(0).name()).orElse("none"));
    }
}
