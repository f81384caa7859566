package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.measure.CertificateProblem;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TcpConnectInfo;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.pki.IssuedCertificate;
import io.egressprobe.testing.OneAttempt;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.Targets;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TlsProberIT {
    @TempDir
    Path dir;
    TestPki pki;
    Vertx vertx;
    TlsProber prober;

    @BeforeEach
    void setUp() throws Exception {
        this.vertx = MeteredVertx.create(); // the product's Vert.x: it resolves test names from the test hosts file
        this.pki = new TestPki(dir);
        this.prober = new TlsProber(vertx, TlsEngine.best());
    }

    @AfterEach
    void tearDown() {
        vertx.close();
    }

    ProbeResult probe(Target target) throws Exception {
        return OneAttempt.run(vertx.getOrCreateContext(), prober, target);
    }

    static TlsTargetServer server(IssuedCertificate cert, long delayMillis, int status) throws Exception {
        return TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, cert, () -> delayMillis, status);
    }

    @ParameterizedTest
    @EnumSource(EngineChoice.class)
    void shouldTimeEveryPhaseOfASuccessfulAttemptWithEitherEngine(EngineChoice choice) throws Exception {
        IssuedCertificate cert = pki.valid();
        assertThat(TlsEngine.best()).as("BoringSSL loads on this platform").isEqualTo(TlsEngine.OPENSSL);
        prober = new TlsProber(vertx, choice.engine());
        try (TlsTargetServer server = server(cert, 0, 200)) {
            ProbeResult result = probe(Targets.withHttp(Targets.trusting(pki.caFile, TestPki.HOST, server.port()), "/healthz", 200));

            assertThat(result).isInstanceOf(ProbeResult.Success.class);
            ProbeResult.Success success = (ProbeResult.Success) result;
            assertThat(success.timings().asMap()).containsKeys(Phase.DNS, Phase.CONNECT, Phase.TLS, Phase.REQUEST, Phase.TOTAL);
            assertThat(success.httpStatus()).contains(200);
            assertThat(success.tls().protocol()).startsWith("TLSv1.");
            assertThat(success.tls().earliestExpiry()).contains(cert.certificate().getNotAfter().toInstant());
            Duration sum = Duration.ZERO;
            for (Phase p : new Phase[] {Phase.DNS, Phase.CONNECT, Phase.TLS, Phase.REQUEST}) {
                sum = sum.plus(success.timings().get(p).orElseThrow());
            }
            assertThat(sum).isLessThanOrEqualTo(success.elapsed());
        }
    }

    enum EngineChoice {
        openssl, jdk;

        TlsEngine engine() {
            return this == openssl ? TlsEngine.OPENSSL : TlsEngine.JDK;
        }
    }

    /** On Linux the native transport carries each connection's TCP_INFO: the connect phase is the kernel's SYN round trip. */
    @Test
    void shouldTakeTheConnectPhaseFromTheKernelOnTheNativeTransport() throws Exception {
        assertThat(Transport.of(vertx)).as("the native epoll transport loads on this platform").isEqualTo(Transport.EPOLL);
        try (TlsTargetServer server = server(pki.valid(), 0, 200)) {
            ProbeResult result = probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port()));

            assertThat(result).isInstanceOf(ProbeResult.Success.class);
            TcpConnectInfo tcp = result.tcp().orElseThrow();
            assertThat(tcp.retransmittedSyns()).as("nothing drops SYNs on loopback").isZero();
            assertThat(tcp.synRoundTrip()).isPositive();
            assertThat(result.timings().get(Phase.CONNECT)).contains(tcp.synRoundTrip());
        }
    }

    @Test
    void shouldPutAHandshakeDelayInTheTlsPhaseAndNotInConnect() throws Exception {
        Duration delay = Duration.ofSeconds(1);
        try (TlsTargetServer server = server(pki.valid(), delay.toMillis(), 200)) {
            ProbeResult result = probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port()));

            assertThat(result).isInstanceOf(ProbeResult.Success.class);
            Duration dns = result.timings().get(Phase.DNS).orElse(Duration.ZERO);
            Duration tls = result.timings().get(Phase.TLS).orElseThrow();
            Duration connect = result.timings().get(Phase.CONNECT).orElseThrow();
            // The server waits after its accept, which follows our SYN: the phases up to the handshake's end hold the
            // whole delay, whatever the machine's load. Only a client stalled for the whole second could put it in connect.
            assertThat(dns.plus(connect).plus(tls)).isGreaterThanOrEqualTo(delay);
            assertThat(tls).as("the delay is in the handshake").isGreaterThan(connect);
        }
    }

    @Test
    void shouldReportRefusedForAClosedPort() throws Exception {
        ProbeResult result = probe(Targets.trusting(pki.caFile, TestPki.HOST, RawServers.closedPort()));

        assertFailure(result, FailureReason.REFUSED, Phase.CONNECT);
    }

    @Test
    void shouldReportProbeTimeoutForAServerThatNeverAnswers() throws Exception {
        try (RawServers.Server server = RawServers.silent()) {
            Target target = Targets.withProbeTimeout(Targets.trusting(pki.caFile, TestPki.HOST, server.port()),
                    Duration.ofMillis(500));

            ProbeResult result = probe(target);

            assertFailure(result, FailureReason.PROBE_TIMEOUT, Phase.TLS);
            assertThat(result.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(500));
            assertThat(result.timings().get(Phase.CONNECT)).isPresent();
        }
    }

    @Test
    void shouldReportResetForAServerThatResetsMidHandshake() throws Exception {
        try (RawServers.Server server = RawServers.resetAfterClientHello()) {
            assertFailure(probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port())), FailureReason.RESET, Phase.TLS);
        }
    }

    @Test
    void shouldReportClosedForAServerThatClosesMidHandshake() throws Exception {
        try (RawServers.Server server = RawServers.closeAfterClientHello()) {
            assertFailure(probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port())), FailureReason.CLOSED, Phase.TLS);
        }
    }

    @Test
    void shouldReportTlsCertificateForAnExpiredCertificate() throws Exception {
        try (TlsTargetServer server = server(pki.expired(), 0, 200)) {
            ProbeResult result = probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port()));
            assertFailure(result, FailureReason.TLS_CERTIFICATE, Phase.TLS);
            assertCertificateProblem(result, "the certificate has expired");
        }
    }

    @Test
    void shouldReportTlsCertificateForACertificateOfAnotherHost() throws Exception {
        try (TlsTargetServer server = server(pki.wrongHost(), 0, 200)) {
            ProbeResult result = probe(Targets.trusting(pki.caFile, TestPki.HOST, server.port()));
            assertFailure(result, FailureReason.TLS_CERTIFICATE, Phase.TLS);
            assertCertificateProblem(result, "the certificate does not name the host (SNI)");
        }
    }

    /** Verified chains are remembered per name: another name on the same chain is checked, and fails, every time. */
    @Test
    void shouldCheckTheNameOnEveryAttemptWhenTheChainIsRemembered() throws Exception {
        try (TlsTargetServer server = server(pki.valid(), 0, 200)) {
            Target named = Targets.trusting(pki.caFile, TestPki.HOST, server.port());
            Target unnamed = Targets.trusting(pki.caFile, "other.test", server.port());
            for (int i = 0; i < 3; i++) {
                assertThat(probe(named)).isInstanceOf(ProbeResult.Success.class);
                ProbeResult result = probe(unnamed);
                assertFailure(result, FailureReason.TLS_CERTIFICATE, Phase.TLS);
                assertCertificateProblem(result, "the certificate does not name the host (SNI)");
            }
        }
    }

    @Test
    void shouldReportTlsCertificateForAnUntrustedIssuerWithTheSystemTrustStore() throws Exception {
        try (TlsTargetServer server = server(TestPki.untrusted(), 0, 200)) {
            Target systemTrust = Targets.withTls(Targets.trusting(pki.caFile, TestPki.HOST, server.port()),
                    TlsSettings.DEFAULT);
            ProbeResult result = probe(systemTrust);
            assertFailure(result, FailureReason.TLS_CERTIFICATE, Phase.TLS);
            assertCertificateProblem(result, "the certificate's issuer is not trusted");
        }
    }

    @Test
    void shouldAcceptAnUntrustedCertificateOnlyWhenTheTargetTurnsVerificationOff() throws Exception {
        try (TlsTargetServer server = server(TestPki.untrusted(), 0, 200)) {
            Target unverified = Targets.withTls(Targets.trusting(pki.caFile, TestPki.HOST, server.port()),
                    new TlsSettings(false, Optional.empty()));
            assertThat(probe(unverified)).isInstanceOf(ProbeResult.Success.class);
        }
    }

    @Test
    void shouldReportDnsForANameThatDoesNotResolve() throws Exception {
        assertFailure(probe(Targets.trusting(pki.caFile, "no-such-host.invalid", 443)), FailureReason.DNS, Phase.DNS);
    }

    @Test
    void shouldReportHttpStatusWhenTheStatusIsNotExpected() throws Exception {
        try (TlsTargetServer server = server(pki.valid(), 0, 503)) {
            ProbeResult result = probe(Targets.withHttp(Targets.trusting(pki.caFile, TestPki.HOST, server.port()), "/", 200));

            assertFailure(result, FailureReason.HTTP_STATUS, Phase.REQUEST);
            assertThat(((ProbeResult.Failure) result).detail()).contains("503");
        }
    }

    /** The check that failed, as check and the alerts name it, read from the real engine's error text. */
    private static void assertCertificateProblem(ProbeResult result, String problem) {
        String detail = ((ProbeResult.Failure) result).detail();
        assertThat(CertificateProblem.of(detail)).as(detail).contains(problem);
    }

    private static void assertFailure(ProbeResult result, FailureReason reason, Phase phase) {
        assertThat(result).isInstanceOf(ProbeResult.Failure.class);
        ProbeResult.Failure failure = (ProbeResult.Failure) result;
        assertThat(failure.reason()).as("reason of %s", failure.detail()).isEqualTo(reason);
        assertThat(failure.phase()).isEqualTo(phase);
    }
}
