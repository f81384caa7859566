package io.egressprobe.demo;

import io.egressprobe.pki.IssuedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * A TLS server that waits a chosen time after accepting before it reads the ClientHello: from the
 * client's side the handshake takes that much longer, while the TCP connect does not. It answers one
 * HTTP request per connection with a fixed status. Plain JDK sockets: one worker thread per open
 * connection, bounded.
 */
public final class TlsTargetServer implements AutoCloseable {
    private static final int MAX_CONNECTIONS = 256;

    private final ServerSocket server;
    private final SSLSocketFactory tls;
    private final LongSupplier handshakeDelayMillis;
    private final int httpStatus;
    private final ScheduledExecutorService delays;
    private final ExecutorService workers;

    private final Thread acceptor;

    private TlsTargetServer(ServerSocket server, SSLSocketFactory tls, LongSupplier handshakeDelayMillis, int httpStatus) {
        this.server = server;
        this.tls = tls;
        this.handshakeDelayMillis = handshakeDelayMillis;
        this.httpStatus = httpStatus;
        this.delays = Executors.newSingleThreadScheduledExecutor(Threads.daemon("tls-target-delay"));
        this.workers = new ThreadPoolExecutor(0, MAX_CONNECTIONS, 30, TimeUnit.SECONDS, new SynchronousQueue<>(),
                Threads.daemon("tls-target-conn"));
        this.acceptor = Threads.daemon("tls-target-accept").newThread(this::acceptLoop);
    }

    /** Listens on {@code address:port} (0 for any free port) with {@code certificate}'s chain. */
    public static TlsTargetServer start(InetAddress address, int port, IssuedCertificate certificate,
                                        LongSupplier handshakeDelayMillis, int httpStatus) throws IOException {
        ServerSocket socket = new ServerSocket();
        socket.setReuseAddress(true);
        socket.bind(new InetSocketAddress(address, port), 512);
        TlsTargetServer s = new TlsTargetServer(socket, context(certificate).getSocketFactory(), handshakeDelayMillis, httpStatus);
        s.acceptor.start();
        return s;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket plain = server.accept();
                long delay = Math.max(0, handshakeDelayMillis.getAsLong());
                delays.schedule(() -> serve(plain), delay, TimeUnit.MILLISECONDS);
            } catch (IOException e) {
                if (server.isClosed()) {
                    return;
                }
            } catch (RejectedExecutionException e) {
                return;
            }
        }
    }

    private void serve(Socket plain) {
        try {
            workers.execute(() -> handle(plain));
        } catch (RejectedExecutionException e) {
            closeQuietly(plain);
        }
    }

    private void handle(Socket plain) {
        try (plain; SSLSocket socket = (SSLSocket) tls.createSocket(plain, null, true)) {
            socket.setSoTimeout(10_000);
            socket.startHandshake();
            InputStream in = socket.getInputStream();
            if (readRequestHead(in)) {
                OutputStream out = socket.getOutputStream();
                out.write(("HTTP/1.1 " + httpStatus + " Status\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
                        .getBytes(StandardCharsets.US_ASCII));
                out.flush();
            }
        } catch (IOException e) {
            // The client went away or failed the handshake: the client reports it, not the server.
        }
    }

    /** Reads up to the blank line ending the request head; false on EOF before it. */
    private static boolean readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        for (int i = 0; i < 64 * 1024; i++) {
            int b = in.read();
            if (b < 0) {
                return false;
            }
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
            if (matched == end.length) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() {
        closeQuietly(server);
        delays.shutdownNow();
        workers.shutdownNow();
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    private static SSLContext context(IssuedCertificate certificate) {
        try {
            char[] password = "password".toCharArray();
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(certificate.keyStore(password), password);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(kmf.getKeyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot set up TLS for the target server", e);
        }
    }
}
