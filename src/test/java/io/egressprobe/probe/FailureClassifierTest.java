package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import java.io.EOFException;
import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertificateException;
import java.util.stream.Stream;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** How each way an attempt breaks, as the JDK, Netty and Vert.x report it (their real messages), is named. */
class FailureClassifierTest {
    static Stream<Arguments> failures() {
        return Stream.of(
                Arguments.of(Phase.DNS, new UnknownHostException("identity.test: Name or service not known"), FailureReason.DNS),
                Arguments.of(Phase.CONNECT, new RuntimeException(new UnknownHostException("identity.test")), FailureReason.DNS),
                Arguments.of(Phase.CONNECT, new ConnectException("finishConnect(..) failed with error(-111): Connection refused: /127.0.0.1:1"),
                        FailureReason.REFUSED),
                Arguments.of(Phase.CONNECT, new NoRouteToHostException("No route to host"), FailureReason.UNREACHABLE),
                Arguments.of(Phase.CONNECT, new IOException("connect(..) failed with error(-101): Network is unreachable"),
                        FailureReason.UNREACHABLE),
                Arguments.of(Phase.CONNECT, new ConnectException("connection timed out after 1000 ms: /10.255.255.1:443"),
                        FailureReason.CONNECT_TIMEOUT),
                Arguments.of(Phase.TLS, new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"),
                        FailureReason.RESET),
                Arguments.of(Phase.TLS, new SSLHandshakeException("No subject alternative DNS name matching other.test found."),
                        FailureReason.TLS_CERTIFICATE),
                Arguments.of(Phase.TLS, wrapped(new SSLHandshakeException("General OpenSslEngine problem"),
                        new CertificateException("NotAfter: Tue Nov 24 12:00:00 UTC 2026")), FailureReason.TLS_CERTIFICATE),
                Arguments.of(Phase.TLS, new SSLHandshakeException("PKIX path building failed: unable to find valid certification path"),
                        FailureReason.TLS_CERTIFICATE),
                Arguments.of(Phase.TLS, new ClosedChannelException(), FailureReason.CLOSED),
                Arguments.of(Phase.TLS, new SSLException("Received fatal alert: handshake_failure"), FailureReason.TLS_HANDSHAKE),
                Arguments.of(Phase.TLS, new SSLHandshakeException("General OpenSslEngine problem"), FailureReason.TLS_HANDSHAKE),
                Arguments.of(Phase.REQUEST, new EOFException(), FailureReason.CLOSED),
                Arguments.of(Phase.REQUEST, new IllegalStateException("Connection was closed"), FailureReason.CLOSED));
    }

    static Throwable wrapped(Throwable outer, Throwable cause) {
        outer.initCause(cause);
        return outer;
    }

    @ParameterizedTest(name = "{0} {1} -> {2}")
    @MethodSource("failures")
    void shouldNameEachWayAnAttemptBreaks(Phase phase, Throwable error, FailureReason expected) {
        assertThat(FailureClassifier.classify(phase, error)).isEqualTo(expected);
    }

    /**
     * After a CertificateRequest, the server's alert is over the client certificate: OpenSSL and BoringSSL answer a
     * missing one in TLS 1.2 with a plain handshake_failure (here as BoringSSL and the JDK report it, received); this
     * side's own failure (BoringSSL's KEY_VALUES_MISMATCH) is no alert of the server's.
     */
    @ParameterizedTest(name = "{0}, asked {1} -> {2}")
    @MethodSource("afterACertificateRequest")
    void shouldNameAnAlertAfterTheServerAskedForAClientCertificateAsTheCertificate(Throwable error, boolean asked,
                                                                                 FailureReason expected, boolean alert) {
        assertThat(FailureClassifier.classify(Phase.TLS, error, asked)).isEqualTo(expected);
        assertThat(FailureClassifier.isReceivedAlert(error)).isEqualTo(alert);
    }

    static Stream<Arguments> afterACertificateRequest() {
        Throwable boring = new SSLHandshakeException(
                "error:10000410:SSL routines:OPENSSL_internal:SSLV3_ALERT_HANDSHAKE_FAILURE");
        Throwable jdk = new SSLHandshakeException("Received fatal alert: handshake_failure");
        Throwable local = new SSLHandshakeException("error:0b000074:X.509 certificate routines:OPENSSL_internal:KEY_VALUES_MISMATCH");
        return Stream.of(
                Arguments.of(boring, true, FailureReason.TLS_CERTIFICATE, true),
                Arguments.of(jdk, true, FailureReason.TLS_CERTIFICATE, true),
                Arguments.of(boring, false, FailureReason.TLS_HANDSHAKE, true),
                Arguments.of(jdk, false, FailureReason.TLS_HANDSHAKE, true),
                Arguments.of(local, true, FailureReason.TLS_CERTIFICATE, false),
                Arguments.of(new IOException("recvAddress(..) failed with error(-104): Connection reset by peer"), true,
                        FailureReason.RESET, false));
    }
}
