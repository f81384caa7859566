package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.ClientCertificateProblem;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.CertificateBuilder.KeyType;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.MutualTlsServer;
import io.egressprobe.testing.OneAttempt;
import io.egressprobe.testing.OpenSslServer;
import io.egressprobe.testing.SecretVolume;
import io.egressprobe.testing.Targets;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Client certificates against servers that require one, the JDK's and OpenSSL's own {@code s_server}, in TLS 1.2 and
 * 1.3, with each engine: which of "none configured", "none from an accepted issuer", "refused" and "cannot be used
 * here" a {@code tls_certificate} failure is, with the connect still timed; keys as cert-manager writes them; and a
 * Secret rotated by the kubelet's {@code ..data} symlink swap while attempts run.
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

    /** The certificate and its key as cert-manager writes them: PKCS#1 for RSA, SEC1 for ECDSA. */
    TlsSettings.ClientCertificate write(String name, IssuedCertificate cert) throws Exception {
        Path certFile = Files.writeString(dir.resolve(name + ".crt"), cert.chainPem());
        Path keyFile = Files.writeString(dir.resolve(name + ".key"), cert.traditionalPrivateKeyPem());
        return new TlsSettings.ClientCertificate(certFile, keyFile);
    }

    ProbeResult.Failure failure(Target target) throws Exception {
        ProbeResult result = OneAttempt.run(vertx.getOrCreateContext(), prober, target);
        assertThat(result).isInstanceOf(ProbeResult.Failure.class);
        ProbeResult.Failure failure = (ProbeResult.Failure) result;
        assertThat(failure.reason()).as(failure.detail()).isEqualTo(FailureReason.TLS_CERTIFICATE);
        assertThat(failure.timings().get(Phase.CONNECT)).as("the connect is still timed").isPresent();
        return failure;
    }

    /** The JDK's server names the issuers it accepts: a certificate from another is never sent ("none", not "refused"). */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"TLSv1.2, openssl", "TLSv1.3, openssl", "TLSv1.2, jdk", "TLSv1.3, jdk"})
    void shouldTellNoneConfiguredFromNoneAcceptableAndAcceptASec1KeyOnAJdkServer(String protocol, TlsProberIT.EngineChoice engine)
            throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        try (MutualTlsServer server = MutualTlsServer.start(pki.valid(), clientCa, protocol)) {
            assertThat(failure(target(server.port(), Optional.empty())).detail())
                    .startsWith(ClientCertificateProblem.NONE_CONFIGURED.text());

            IssuedCertificate stranger = CertificateBuilder.subject("someone else").clientAuth().issuedBy(
                    CertificateBuilder.subject("another CA").certificateAuthority().build()).build();
            TlsSettings.ClientCertificate strangerFiles = write("stranger", stranger);
            assertThat(failure(target(server.port(), Optional.of(strangerFiles))).detail())
                    .startsWith(ClientCertificateProblem.NONE_ACCEPTABLE.text())
                    .contains("CN=bank client CA").contains(strangerFiles.certFile() + " (issued by CN=another CA)");

            TlsSettings.ClientCertificate sec1 = write("payments", CertificateBuilder.subject("payments-client").clientAuth()
                    .issuedBy(clientCa).build());
            assertThat(Files.readString(sec1.keyFile())).startsWith("-----BEGIN EC PRIVATE KEY-----");
            ProbeResult accepted = OneAttempt.run(vertx.getOrCreateContext(), prober, target(server.port(), Optional.of(sec1)));
            assertThat(accepted).as("%s", accepted).isInstanceOf(ProbeResult.Success.class);
            assertThat(server.lastClientSubject()).isEqualTo("CN=payments-client");
        }
    }

    /**
     * OpenSSL's server, as Envoy's BoringSSL answers: in TLS 1.2 a missing certificate is a plain handshake_failure
     * alert, named as the missing certificate because the server had asked for one; an expired certificate from the
     * issuer it names is sent, and the server's alert refuses it.
     */
    @ParameterizedTest(name = "{0}, {1}")
    @CsvSource({"TLSv1.2, openssl", "TLSv1.3, openssl", "TLSv1.2, jdk", "TLSv1.3, jdk"})
    void shouldNameAMissingOrRefusedClientCertificateOnARealOpenSslServer(String protocol, TlsProberIT.EngineChoice engine)
            throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        IssuedCertificate serverCert = pki.valid();
        Path serverCertFile = Files.writeString(dir.resolve("server.crt"), serverCert.chainPem());
        Path serverKeyFile = Files.writeString(dir.resolve("server.key"), serverCert.privateKeyPem());
        Path clientCaFile = Files.writeString(dir.resolve("client-ca.crt"), clientCa.certificatePem());
        try (OpenSslServer server = OpenSslServer.start(serverCertFile, serverKeyFile, clientCaFile, protocol)) {
            assertThat(failure(target(server.port(), Optional.empty())).detail())
                    .startsWith(ClientCertificateProblem.NONE_CONFIGURED.text())
                    .containsIgnoringCase(protocol.equals("TLSv1.2") ? "handshake_failure" : "certificate_required");

            TlsSettings.ClientCertificate rsa = write("payments", CertificateBuilder.subject("payments-client").clientAuth()
                    .keyType(KeyType.RSA_2048).issuedBy(clientCa).build());
            assertThat(Files.readString(rsa.keyFile())).startsWith("-----BEGIN RSA PRIVATE KEY-----");
            ProbeResult accepted = OneAttempt.run(vertx.getOrCreateContext(), prober, target(server.port(), Optional.of(rsa)));
            assertThat(accepted).as("%s", accepted).isInstanceOf(ProbeResult.Success.class);

            Instant now = Instant.now();
            TlsSettings.ClientCertificate expired = write("expired", CertificateBuilder.subject("payments-client").clientAuth()
                    .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).issuedBy(clientCa).build());
            assertThat(failure(target(server.port(), Optional.of(expired))).detail())
                    .startsWith(ClientCertificateProblem.REFUSED.text() + " " + expired.certFile() + " (issued by CN=bank client CA)")
                    .containsIgnoringCase("expired");
        }
    }

    /** BoringSSL would fail locally (KEY_VALUES_MISMATCH): no server is asked, and the failure names both files. */
    @ParameterizedTest
    @EnumSource(TlsProberIT.EngineChoice.class)
    void shouldReportAKeyOfAnotherPairAsALocalProblemNamingBothFiles(TlsProberIT.EngineChoice engine) throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        TlsSettings.ClientCertificate ours = write("ours", CertificateBuilder.subject("payments-client").clientAuth().issuedBy(clientCa).build());
        TlsSettings.ClientCertificate other = write("other", CertificateBuilder.subject("payments-client").clientAuth().issuedBy(clientCa).build());
        TlsSettings.ClientCertificate mixed = new TlsSettings.ClientCertificate(ours.certFile(), other.keyFile());
        try (MutualTlsServer server = MutualTlsServer.start(pki.valid(), clientCa, "TLSv1.3")) {
            String detail = failure(target(server.port(), Optional.of(mixed))).detail();

            assertThat(detail).startsWith(ClientCertificateProblem.UNUSABLE.text())
                    .contains(ours.certFile() + " and " + other.keyFile() + " are not one pair").doesNotContain("refused");
            assertThat(server.lastClientSubject()).as("no handshake got as far as a certificate").isNull();
        }
    }

    /**
     * The kubelet rotates a Secret by swapping the {@code ..data} symlink: attempts running all the while keep
     * succeeding (never the new certificate with the old key), and the server soon sees each new certificate.
     */
    @ParameterizedTest
    @EnumSource(TlsProberIT.EngineChoice.class)
    void shouldPresentEachNewPairAfterADataSymlinkSwapWhileAttemptsRun(TlsProberIT.EngineChoice engine) throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        SecretVolume secret = new SecretVolume(dir.resolve("mtls"));
        secret.write(pair("client-0"));
        try (MutualTlsServer server = MutualTlsServer.start(pki.valid(), clientCa, "TLSv1.3")) {
            Target onServer = target(server.port(),
                    Optional.of(new TlsSettings.ClientCertificate(secret.file("tls.crt"), secret.file("tls.key"))));
            List<ProbeResult> results = new CopyOnWriteArrayList<>();
            AtomicBoolean running = new AtomicBoolean(true);
            Thread attempts = new Thread(() -> {
                while (running.get()) {
                    try {
                        results.add(OneAttempt.run(vertx.getOrCreateContext(), prober, onServer));
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            }, "attempts");
            attempts.start();
            try {
                for (int i = 1; i <= 3; i++) {
                    String subject = "CN=client-" + i;
                    secret.write(pair("client-" + i));
                    await("the server sees " + subject).atMost(Duration.ofSeconds(20))
                            .until(() -> subject.equals(server.lastClientSubject()));
                }
            } finally {
                running.set(false);
                attempts.join();
            }
            assertThat(results).hasSizeGreaterThan(3)
                    .allSatisfy(r -> assertThat(r).as("%s", r).isInstanceOf(ProbeResult.Success.class));
        }
    }

    /**
     * Building a context reads PEM files and a trust store: on a worker, so that the event loop serves other attempts
     * meanwhile. One target's CA file here is a FIFO whose reader waits until the test writes it: on the event loop
     * that read would hold every attempt of the loop.
     */
    @ParameterizedTest
    @EnumSource(TlsProberIT.EngineChoice.class)
    void shouldBuildTheContextOffTheEventLoop(TlsProberIT.EngineChoice engine) throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        io.vertx.core.Context loop = vertx.getOrCreateContext();
        Path caFifo = dir.resolve("slow-ca.pem");
        assertThat(new ProcessBuilder("mkfifo", caFifo.toString()).inheritIO().start().waitFor()).isZero();
        Optional<TlsSettings.ClientCertificate> client = Optional.of(write("client", CertificateBuilder.subject("payments-client")
                .clientAuth().issuedBy(clientCa).build()));
        try (MutualTlsServer server = MutualTlsServer.start(pki.valid(), clientCa, "TLSv1.3")) {
            Target slow = Targets.withTls(target(server.port(), client), new TlsSettings(true, Optional.of(caFifo), client));
            java.util.concurrent.CompletableFuture<ProbeResult> waiting = OneAttempt.start(loop, prober, slow);
            try {
                ProbeResult meanwhile = OneAttempt.run(loop, prober, target(server.port(), client));

                assertThat(meanwhile).as("%s", meanwhile).isInstanceOf(ProbeResult.Success.class);
                assertThat(waiting).as("the first target's context waits for its CA file").isNotDone();
            } finally {
                Files.writeString(caFifo, pki.ca.certificatePem()); // the reader, wherever it is, gets its CA
            }
            ProbeResult first = waiting.get(30, java.util.concurrent.TimeUnit.SECONDS);
            assertThat(first).as("%s", first).isInstanceOf(ProbeResult.Success.class);
        }
    }

    /** Each key type the engines take, as cert-manager writes it, against OpenSSL's server in TLS 1.3 and 1.2. */
    @ParameterizedTest(name = "{0}, {1}, {2}")
    @CsvSource({"EC_P256, TLSv1.3, openssl", "RSA_2048, TLSv1.3, openssl", "ED25519, TLSv1.3, openssl",
            "EC_P256, TLSv1.2, openssl", "RSA_2048, TLSv1.2, openssl", "ED25519, TLSv1.2, openssl",
            "EC_P256, TLSv1.3, jdk", "RSA_2048, TLSv1.3, jdk", "ED25519, TLSv1.3, jdk",
            "EC_P256, TLSv1.2, jdk", "RSA_2048, TLSv1.2, jdk", "ED25519, TLSv1.2, jdk"})
    void shouldPresentEachKeyType(KeyType type, String protocol, TlsProberIT.EngineChoice engine) throws Exception {
        prober = new TlsProber(vertx, engine.engine());
        IssuedCertificate serverCert = pki.valid();
        Path serverCertFile = Files.writeString(dir.resolve("server.crt"), serverCert.chainPem());
        Path serverKeyFile = Files.writeString(dir.resolve("server.key"), serverCert.privateKeyPem());
        Path clientCaFile = Files.writeString(dir.resolve("client-ca.crt"), clientCa.certificatePem());
        TlsSettings.ClientCertificate files = write("client", CertificateBuilder.subject("payments-client").clientAuth()
                .keyType(type).issuedBy(clientCa).build());
        try (OpenSslServer server = OpenSslServer.start(serverCertFile, serverKeyFile, clientCaFile, protocol)) {
            ProbeResult result = OneAttempt.run(vertx.getOrCreateContext(), prober, target(server.port(), Optional.of(files)));
            assertThat(result).as("%s", result).isInstanceOf(ProbeResult.Success.class);
        }
    }

    private Map<String, String> pair(String name) {
        IssuedCertificate cert = CertificateBuilder.subject(name).clientAuth().issuedBy(clientCa).build();
        return Map.of("tls.crt", cert.chainPem(), "tls.key", cert.traditionalPrivateKeyPem());
    }
}
