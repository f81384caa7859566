package io.egressprobe.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * A sidecar that originates TLS, as Envoy's HTTP listener does for a cluster with {@code tls.mode: SIMPLE}: it reads
 * the application's plain request, and only then connects upstream (after an injected delay) and completes the TLS
 * handshake there, both within its connect timeout, as Envoy raises {@code Connected} only after the upstream
 * handshake. It forwards the request over TLS and the response back. When the delay reaches the timeout it tries
 * again as Istio's route makes Envoy do ({@code num_retries: 2} with {@code connect-failure}: three tries, Envoy's
 * jittered back-off below 25 and 50 ms between them), each try drawing its own delay; after the last it answers the
 * request itself as Envoy does: {@code 503} with "upstream connect error or disconnect/reset before headers. retried
 * and the latest reset reason: connection timeout". One connection, one request. Test-only: it trusts any upstream
 * certificate.
 */
public final class OriginatingProxy implements AutoCloseable {
    static final String CONNECT_TIMEOUT_BODY =
            "upstream connect error or disconnect/reset before headers. retried and the latest reset reason: connection timeout";
    /** Istio's default route: {@code num_retries: 2}. */
    static final int TRIES = 3;
    static final long BASE_BACK_OFF_MILLIS = 25;

    private final ServerSocket server;
    private final InetSocketAddress upstream;
    private final Duration connectTimeout;
    private final LongSupplier delayMillis;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "originating-proxy");
        t.setDaemon(true);
        return t;
    });
    private final SSLContext tls;

    private OriginatingProxy(ServerSocket server, InetSocketAddress upstream, Duration connectTimeout, LongSupplier delayMillis)
            throws Exception {
        this.server = server;
        this.upstream = upstream;
        this.connectTimeout = connectTimeout;
        this.delayMillis = delayMillis;
        this.tls = SSLContext.getInstance("TLS");
        tls.init(null, new TrustManager[] {new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) { }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
            }
        }}, null);
    }

    public static OriginatingProxy start(InetSocketAddress upstream, Duration connectTimeout, LongSupplier delayMillis)
            throws Exception {
        ServerSocket socket = new ServerSocket(0, 128, InetAddress.getLoopbackAddress());
        OriginatingProxy proxy = new OriginatingProxy(socket, upstream, connectTimeout, delayMillis);
        proxy.workers.execute(proxy::acceptLoop);
        return proxy;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                workers.execute(() -> serve(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket client) {
        try (client) {
            byte[] request = head(client.getInputStream());
            for (int tryNumber = 1; ; tryNumber++) {
                long started = System.nanoTime();
                long delay = delayMillis.getAsLong();
                if (delay < connectTimeout.toMillis()) {
                    Thread.sleep(delay);
                    forward(request, client, connectTimeout.toMillis() - (System.nanoTime() - started) / 1_000_000);
                    return;
                }
                Thread.sleep(connectTimeout.toMillis()); // Envoy's connect timer, not a stand-in for synchronisation
                if (tryNumber == TRIES) {
                    break;
                }
                Thread.sleep(ThreadLocalRandom.current().nextLong(BASE_BACK_OFF_MILLIS << (tryNumber - 1))); // Envoy's back-off
            }
            byte[] body = CONNECT_TIMEOUT_BODY.getBytes(StandardCharsets.US_ASCII);
            client.getOutputStream().write(("HTTP/1.1 503 Service Unavailable\r\ncontent-length: " + body.length
                    + "\r\ncontent-type: text/plain\r\nserver: envoy\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            client.getOutputStream().write(body);
            client.getOutputStream().flush();
        } catch (IOException e) {
            // the client or the upstream went away
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void forward(byte[] request, Socket client, long leftMillis) throws IOException {
        try (SSLSocket up = (SSLSocket) tls.getSocketFactory().createSocket()) {
            up.connect(upstream, (int) Math.max(1, leftMillis));
            up.startHandshake();
            up.getOutputStream().write(request);
            up.getOutputStream().flush();
            pipe(up.getInputStream(), client.getOutputStream());
        }
    }

    private static byte[] head(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        for (int b; (b = in.read()) >= 0 && head.size() < 64 * 1024; ) {
            head.write(b);
            String text = head.toString(StandardCharsets.ISO_8859_1);
            if (text.endsWith("\r\n\r\n")) {
                break;
            }
        }
        return head.toByteArray();
    }

    private static void pipe(InputStream from, OutputStream to) throws IOException {
        byte[] buffer = new byte[16 * 1024];
        for (int n; (n = from.read(buffer)) >= 0; ) {
            to.write(buffer, 0, n);
            to.flush();
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
