package io.egressprobe.envoy;

import io.egressprobe.route.Destination;
import io.egressprobe.testing.GrownEnvoyAdmin;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * A sidecar's {@code resource=dynamic_listeners} answer in a mesh of N services, as {@link GrownEnvoyAdmin} grows it,
 * handed on in chunks and never whole. Its {@code main} streams one through the routing pruning in a JVM whose heap is
 * far smaller than the answer, printing what was kept.
 */
public final class GrownDump {
    private GrownDump() {}

    /** Writes the answer for {@code services} services to {@code chunks}, about 64 KiB at a time; returns its bytes. */
    public static long write(int services, Consumer<byte[]> chunks) {
        AtomicLong bytes = new AtomicLong();
        OutputStream out = new OutputStream() {
            @Override
            public void write(int b) {
                chunks.accept(new byte[] {(byte) b});
            }

            @Override
            public void write(byte[] b, int off, int len) {
                chunks.accept(java.util.Arrays.copyOfRange(b, off, off + len));
            }
        };
        try {
            GrownEnvoyAdmin.answer("dynamic_listeners", services, null, out, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.get();
    }

    /** {@code GrownDump SERVICES HOST PORT}: streams the answer through the pruning; prints bytes, listeners and chains kept. */
    public static void main(String[] args) {
        String host = args[1];
        int port = Integer.parseInt(args[2]);
        PrunedTree tree = new PrunedTree(RoutingPruning.listenersAndRoutes(SidecarQuestion.of(List.of(new Destination(host, port)))),
                Long.MAX_VALUE);
        long bytes = write(Integer.parseInt(args[0]), chunk -> tree.feed(chunk, 0, chunk.length));
        SidecarListeners listeners = ConfigDumpParser.parseAnswers(List.of(tree.end()));
        System.out.println("bytes=" + bytes + " listeners=" + listeners.listeners().size() + " chains="
                + listeners.listeners().stream().mapToInt(l -> l.chains().size()).sum() + " route="
                + listeners.route(host, port).map(d -> d.clusters().get(0).name()).orElse("none"));
    }
}
