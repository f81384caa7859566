package io.egressprobe.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A TCP proxy that fails the way Envoy's tcp_proxy does at its connect timeout. It accepts at once and
 * reads nothing until its upstream connection is up; it dials the upstream after an injected delay
 * (standing for a slow or lost-SYN connect), and when that delay reaches {@code connectTimeout} it closes
 * the client connection with the ClientHello still unread, so the kernel answers with a RST and the
 * client's handshake fails with {@code Connection reset} about one timeout after it began. Otherwise it
 * pipes bytes both ways.
 *
 * <p>Envoy starts its upstream connect once its listener has peeked at the ClientHello; clients send it
 * right after the TCP connect, so starting the clock at accept is the same to within a round trip.
 * Client connections are NIO channels: their close is a plain close(2), which sends the RST. A
 * {@code java.net.Socket} from a {@code ServerSocket} would shut its output down first and send a FIN.
 */
public final class EnvoyLikeProxy implements AutoCloseable {
    private static final int MAX_CONNECTIONS = 256;

    private final ServerSocketChannel server;
    private final InetSocketAddress upstream;
    private final Duration connectTimeout;
    private final LongSupplier connectDelayMillis;
    private final ScheduledExecutorService timers;
    private final ExecutorService pipes;
    private final ProxyStats stats = new ProxyStats();
    private final Thread acceptor;

    private EnvoyLikeProxy(ServerSocketChannel server, InetSocketAddress upstream, Duration connectTimeout,
                           LongSupplier connectDelayMillis) {
        this.server = server;
        this.upstream = upstream;
        this.connectTimeout = connectTimeout;
        this.connectDelayMillis = connectDelayMillis;
        this.timers = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(Threads.daemon("proxy-timer"));
        this.pipes = new ThreadPoolExecutor(0, 2 * MAX_CONNECTIONS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Threads.daemon("proxy-pipe"));
        this.acceptor = Threads.daemon("proxy-accept").newThread(this::acceptLoop);
    }

    public static EnvoyLikeProxy start(InetAddress address, int port, InetSocketAddress upstream, Duration connectTimeout,
                                       LongSupplier connectDelayMillis) throws IOException {
        ServerSocketChannel channel = ServerSocketChannel.open();
        channel.bind(new InetSocketAddress(address, port), 512);
        EnvoyLikeProxy proxy = new EnvoyLikeProxy(channel, upstream, connectTimeout, connectDelayMillis);
        proxy.acceptor.start();
        return proxy;
    }

    public int port() {
        return server.socket().getLocalPort();
    }

    /** Client connections closed at the connect timeout so far. */
    public int connectTimeouts() {
        return stats.connectTimeouts();
    }

    /** This proxy's upstream connects as Envoy's admin API reports a cluster's, under the name {@code cluster}. */
    public String envoyStatsJson(String cluster) {
        return stats.envoyJson(cluster);
    }

    /**
     * The same as Envoy answers {@code /stats}'s {@code query}: with {@code histogram_buckets=cumulative}, the connect
     * histogram's buckets (Envoy 1.22 and later), else its quantiles.
     */
    public String envoyStatsJson(String cluster, String query) {
        return query != null && query.contains("histogram_buckets=cumulative") ? stats.envoyJsonWithBuckets(cluster)
                : stats.envoyJson(cluster);
    }

    private void acceptLoop() {
        while (server.isOpen()) {
            try {
                SocketChannel client = server.accept();
                long acceptedAt = System.nanoTime();
                long delay = Math.max(0, connectDelayMillis.getAsLong());
                if (delay >= connectTimeout.toMillis()) {
                    timers.schedule(() -> cutAtTimeout(client), connectTimeout.toMillis(), TimeUnit.MILLISECONDS);
                } else {
                    timers.schedule(() -> connectUpstream(client, acceptedAt), delay, TimeUnit.MILLISECONDS);
                }
            } catch (IOException | RejectedExecutionException e) {
                if (!server.isOpen()) {
                    return;
                }
            }
        }
    }

    /** A plain close with unread data in the receive buffer: the kernel sends RST, as with Envoy. */
    private void cutAtTimeout(SocketChannel client) {
        stats.timedOut();
        closeQuietly(client);
    }

    private void connectUpstream(SocketChannel clientChannel, long acceptedAt) {
        Socket client = clientChannel.socket();
        try {
            pipes.execute(() -> {
                Socket up = new Socket();
                try {
                    up.connect(upstream, (int) connectTimeout.toMillis());
                    stats.connected((System.nanoTime() - acceptedAt) / 1e6);
                    up.setTcpNoDelay(true);
                    client.setTcpNoDelay(true);
                    pipes.execute(() -> pipe(up, client));
                    pipe(client, up);
                } catch (IOException | RejectedExecutionException e) {
                    stats.failed();
                    closeQuietly(up);
                    closeQuietly(client);
                }
            });
        } catch (RejectedExecutionException e) {
            closeQuietly(clientChannel);
        }
    }

    private static void pipe(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException e) {
            // one side went away: close both below
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        timers.shutdownNow();
        pipes.shutdownNow();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }
}
