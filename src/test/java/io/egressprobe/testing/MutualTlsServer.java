package io.egressprobe.testing;

import io.egressprobe.pki.IssuedCertificate;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.KeyStore;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * A TLS server that requires a client certificate issued by one CA, in one protocol version: TLS 1.2 refuses a missing
 * or untrusted certificate inside the handshake, TLS 1.3 with an alert after the client's handshake has completed. A
 * client it accepts gets {@code HTTP/1.1 200} to its first request, or the connection held until it closes. The JDK's
 * own server, as a bank's API gateway would be another.
 */
public final class MutualTlsServer implements AutoCloseable {
    private final SSLServerSocket server;
    private final ExecutorService workers = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "mtls-server");
        t.setDaemon(true);
        return t;
    });

    /** The subject of the last client certificate a handshake accepted. */
    private volatile String lastClientSubject;

    private MutualTlsServer(SSLServerSocket server) {
        this.server = server;
    }

    public static MutualTlsServer start(IssuedCertificate serverCertificate, IssuedCertificate clientCa, String protocol)
            throws Exception {
        char[] password = "test".toCharArray();
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(serverCertificate.keyStore(password), password);
        KeyStore anchors = KeyStore.getInstance("PKCS12");
        anchors.load(null, null);
        anchors.setCertificateEntry("client-ca", clientCa.certificate());
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(anchors);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
        SSLServerSocket socket = (SSLServerSocket) context.getServerSocketFactory().createServerSocket(0, 64,
                InetAddress.getLoopbackAddress());
        socket.setNeedClientAuth(true);
        socket.setEnabledProtocols(new String[] {protocol});
        MutualTlsServer server = new MutualTlsServer(socket);
        server.workers.execute(server::acceptLoop);
        return server;
    }

    public int port() {
        return server.getLocalPort();
    }

    private void acceptLoop() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                workers.execute(() -> serve((SSLSocket) client));
            } catch (IOException e) {
                return;
            }
        }
    }

    public String lastClientSubject() {
        return lastClientSubject;
    }

    private void serve(SSLSocket client) {
        try (client) {
            client.startHandshake();
            lastClientSubject = ((java.security.cert.X509Certificate) client.getSession().getPeerCertificates()[0])
                    .getSubjectX500Principal().getName();
            InputStream in = client.getInputStream();
            StringBuilder head = new StringBuilder();
            for (int b; (b = in.read()) >= 0 && head.length() < 8192; ) {
                head.append((char) b);
                if (head.toString().endsWith("\r\n\r\n")) {
                    client.getOutputStream().write("HTTP/1.1 200 OK\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                            .getBytes(StandardCharsets.US_ASCII));
                    client.getOutputStream().flush();
                    return;
                }
            }
        } catch (IOException e) {
            // refused, or the client went away
        }
    }

    @Override
    public void close() throws Exception {
        server.close();
        workers.shutdownNow();
        workers.awaitTermination(5, TimeUnit.SECONDS);
    }
}
