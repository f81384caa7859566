package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.MutableClock;
import io.egressprobe.testing.TestPki;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Full handshakes against a real TLS server on loopback, through the JDK's own trust manager (counted, so that the test
 * sees when it really verified): a chain is verified once per name and then remembered, until its time is up.
 */
class RememberingTrustManagerIT {
    @TempDir
    Path dir;
    TestPki pki;
    MutableClock clock = new MutableClock(Instant.now());
    CountingTrustManager jdk;
    SSLContext client;

    @BeforeEach
    void setUp() throws Exception {
        pki = new TestPki(dir);
        jdk = new CountingTrustManager(TlsContexts.trustManager(pki.caFile));
        client = SSLContext.getInstance("TLS");
        client.init(null, new TrustManager[] {new RememberingTrustManager(jdk, clock)}, null);
    }

    void handshake(int port, String name) throws Exception {
        // By name (the test hosts file has it on loopback): the peer host is the name, as in the prober.
        try (SSLSocket socket = (SSLSocket) client.getSocketFactory().createSocket(name, port)) {
            SSLParameters parameters = socket.getSSLParameters();
            parameters.setServerNames(List.of(new SNIHostName(name)));
            parameters.setEndpointIdentificationAlgorithm("HTTPS");
            socket.setSSLParameters(parameters);
            socket.startHandshake();
            socket.getSession().invalidate(); // no resumption: the next handshake is a full one, as the prober's are
        }
    }

    static TlsTargetServer server(IssuedCertificate certificate) throws Exception {
        return TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, certificate, () -> 0, 200);
    }

    @Test
    void shouldVerifyAChainOnceAndRememberItForTheSameName() throws Exception {
        try (TlsTargetServer server = server(pki.valid())) {
            handshake(server.port(), TestPki.HOST);
            handshake(server.port(), TestPki.HOST);
            handshake(server.port(), TestPki.HOST);

            assertThat(jdk.verified.get()).isEqualTo(1);
        }
    }

    @Test
    void shouldCheckAnotherNameAgainstARememberedChainAndFailItEveryTime() throws Exception {
        try (TlsTargetServer server = server(pki.valid())) {
            handshake(server.port(), TestPki.HOST);
            for (int i = 0; i < 2; i++) {
                assertThatThrownBy(() -> handshake(server.port(), "other.test"))
                        .isInstanceOf(SSLHandshakeException.class).hasMessageContaining("other.test");
            }
            handshake(server.port(), TestPki.HOST);

            assertThat(jdk.verified.get()).as("one success, then two failures").isEqualTo(3);
        }
    }

    @Test
    void shouldVerifyAnotherChainFromTheSameName() throws Exception {
        try (TlsTargetServer first = server(pki.valid()); TlsTargetServer rotated = server(pki.valid())) {
            handshake(first.port(), TestPki.HOST);
            handshake(rotated.port(), TestPki.HOST);
            handshake(first.port(), TestPki.HOST);

            assertThat(jdk.verified.get()).isEqualTo(2);
        }
    }

    @Test
    void shouldVerifyAgainAfterTheMaximumAge() throws Exception {
        try (TlsTargetServer server = server(pki.valid())) {
            handshake(server.port(), TestPki.HOST);
            clock.advance(RememberingTrustManager.MAX_AGE.minusSeconds(1));
            handshake(server.port(), TestPki.HOST);
            clock.advance(Duration.ofSeconds(1));
            handshake(server.port(), TestPki.HOST);

            assertThat(jdk.verified.get()).isEqualTo(2);
        }
    }

    @Test
    void shouldNotRememberAVerdictBeyondTheChainsEarliestExpiry() throws Exception {
        Instant now = Instant.now();
        IssuedCertificate shortLived = CertificateBuilder.subject(TestPki.HOST).dnsName(TestPki.HOST)
                .validity(now.minus(Duration.ofDays(1)), now.plus(Duration.ofMinutes(1))).issuedBy(pki.ca).build();
        try (TlsTargetServer server = server(shortLived)) {
            handshake(server.port(), TestPki.HOST);
            clock.advance(Duration.ofMinutes(2)); // past the certificate's end, still within the maximum age
            handshake(server.port(), TestPki.HOST);

            assertThat(jdk.verified.get()).isEqualTo(2);
        }
    }

    /** The JDK's trust manager, counting the chains it was asked to verify. */
    static final class CountingTrustManager extends X509ExtendedTrustManager {
        final AtomicInteger verified = new AtomicInteger();
        private final X509ExtendedTrustManager jdk;

        CountingTrustManager(X509ExtendedTrustManager jdk) {
            this.jdk = jdk;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            verified.incrementAndGet();
            jdk.checkServerTrusted(chain, authType, socket);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            verified.incrementAndGet();
            jdk.checkServerTrusted(chain, authType, engine);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            verified.incrementAndGet();
            jdk.checkServerTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
            jdk.checkClientTrusted(chain, authType, socket);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
            jdk.checkClientTrusted(chain, authType, engine);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            jdk.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return jdk.getAcceptedIssuers();
        }
    }
}
