package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.MutualTlsServer;
import io.egressprobe.testing.OneAttempt;
import io.egressprobe.testing.Targets;
import io.egressprobe.testing.TestPki;
import io.egressprobe.config.Target;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Client certificates against a server that requires one, in TLS 1.2 (refused inside the handshake) and TLS 1.3
 * (refused by an alert after the client's handshake completed), with each engine: a missing or refused certificate is
 * {@code tls_certificate} with the reason named and the connect still timed; the right one succeeds; and the files
 * are read again when they change, as a mounted Secret rotates, without a reload.
 */
class ClientCertificateIT {
    @TempDir
    Path dir;
    TestPki pki;
    Vertx vertx;
    TlsProber prober;
    IssuedCertificate clientCa = CertificateBuilder.subject("bank client CA").certificateAuthority().build();

    @BeforeEach
    void setUp() throws Exception {
        vertx = MeteredVertx.create();
        pki = new TestPki(dir);
    }

    @AfterEach
    void tearDown() {
        vertx.close();
    }

    Target target(int port, Optional<TlsSettings.ClientCertificate> client) {
        Target t = Targets.trusting(pki.caFile, TestPki.HOST, port);
        return Targets.withTls(t, new TlsSettings(true, t.tls().caFile(), client));
    }

    TlsSettings.ClientCertificate write(IssuedCertificate cert) throws Exception {
        Path certFile = dir.resolve("tls.crt");
        Path keyFile = dir.resolve("tls.key");
        Files.writeString(certFile, cert.chainPem());
        Files.writeString(keyFile, cert.privateKeyPem());
        return new TlsSettings.ClientCertificate(certFile, keyFile);
    }

    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"TLSv1.2, openssl", "TLSv1.3, openssl", "TLSv1.2, jdk", "TLSv1.3, jdk"})
    void shouldNameAMissingOrRefusedClientCertificateAndAcceptTheRightOneAfterTheFilesRotate(String protocol, TlsProberIT.EngineChoice engine)
            throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        try (MutualTlsServer server = MutualTlsServer.start(pki.valid(), clientCa, protocol)) {
            ProbeResult none = OneAttempt.run(vertx.getOrCreateContext(), prober, target(server.port(), Optional.empty()));
            assertThat(none).isInstanceOf(ProbeResult.Failure.class);
            ProbeResult.Failure missing = (ProbeResult.Failure) none;
            assertThat(missing.reason()).isEqualTo(FailureReason.TLS_CERTIFICATE);
            assertThat(missing.detail()).contains("requires a client certificate and the target has none");
            assertThat(missing.timings().get(Phase.CONNECT)).as("the connect is still timed").isPresent();

            IssuedCertificate stranger = CertificateBuilder.subject("someone else").clientAuth().issuedBy(
                    CertificateBuilder.subject("another CA").certificateAuthority().build()).build();
            TlsSettings.ClientCertificate files = write(stranger);
            Target withCertificate = target(server.port(), Optional.of(files));
            ProbeResult.Failure refused = (ProbeResult.Failure) OneAttempt.run(vertx.getOrCreateContext(), prober, withCertificate);
            assertThat(refused.reason()).isEqualTo(FailureReason.TLS_CERTIFICATE);
            assertThat(refused.detail()).contains("the server refused the client certificate " + files.certFile());

            // The Secret rotates: same paths, new contents, no reload.
            Files.writeString(files.certFile(), "");
            write(CertificateBuilder.subject("payments-client").clientAuth().issuedBy(clientCa).build());
            ProbeResult rotated = OneAttempt.run(vertx.getOrCreateContext(), prober, withCertificate);
            assertThat(rotated).as("the files are read again once they change: %s", rotated).isInstanceOf(ProbeResult.Success.class);
        }
    }
}
