package io.egressprobe.probe;

import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import java.io.EOFException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.channels.ClosedChannelException;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.util.Locale;
import javax.net.ssl.SSLException;

/**
 * Maps how an attempt broke to a bounded {@link FailureReason}. The JDK, Netty and Vert.x report the
 * same event with different types and messages, so this reads the whole cause chain.
 */
public final class FailureClassifier {
    private FailureClassifier() {}

    public static FailureReason classify(Phase phase, Throwable error) {
        if (phase == Phase.DNS) {
            return FailureReason.DNS;
        }
        if (any(error, UnknownHostException.class)) {
            return FailureReason.DNS;
        }
        String text = messages(error);
        if (isCertificateProblem(error, text)) {
            return FailureReason.TLS_CERTIFICATE;
        }
        if (text.contains("connection reset")) {
            return FailureReason.RESET;
        }
        if (phase == Phase.CONNECT) {
            if (any(error, NoRouteToHostException.class) || text.contains("unreachable")) {
                return FailureReason.UNREACHABLE;
            }
            if (text.contains("timed out") || text.contains("timeout")) {
                return FailureReason.CONNECT_TIMEOUT;
            }
            if (any(error, ConnectException.class) || text.contains("refused")) {
                return FailureReason.REFUSED;
            }
            return FailureReason.UNREACHABLE;
        }
        if (isClosed(error, text)) {
            return FailureReason.CLOSED;
        }
        if (phase == Phase.TLS || any(error, SSLException.class)) {
            return FailureReason.TLS_HANDSHAKE;
        }
        return FailureReason.CLOSED;
    }

    /**
     * As {@link #classify(Phase, Throwable)}, knowing whether the server asked for a client certificate (a
     * CertificateRequest) before the handshake broke. In TLS 1.2 OpenSSL, BoringSSL (Envoy) and most appliances refuse
     * a missing or untrusted client certificate with a plain {@code handshake_failure} alert (OpenSSL's
     * {@code tls_process_client_certificate}: {@code SSL_AD_HANDSHAKE_FAILURE}, "peer did not return a certificate"):
     * an alert received after the server asked is over the client certificate, {@code tls_certificate}. A reset or a
     * close stays what it is.
     */
    public static FailureReason classify(Phase phase, Throwable error, boolean serverAskedForClientCertificate) {
        FailureReason reason = classify(phase, error);
        if (serverAskedForClientCertificate && reason == FailureReason.TLS_HANDSHAKE && isReceivedAlert(error)) {
            return FailureReason.TLS_CERTIFICATE;
        }
        return reason;
    }

    /**
     * Whether the error is the server's alert rather than this side's own failure: the JDK says "Received fatal alert",
     * BoringSSL names a received alert {@code SSLV3_ALERT_*} or {@code TLSV1_ALERT_*} (its {@code SSL_R_} codes 1000 +
     * the alert), where a local failure is a reason of its own (e.g. {@code KEY_VALUES_MISMATCH}).
     */
    public static boolean isReceivedAlert(Throwable error) {
        String text = messages(error);
        return text.contains("received fatal alert") || text.contains("sslv3_alert_") || text.contains("tlsv1_alert_")
                || text.contains("tlsv13_alert_");
    }

    private static boolean isCertificateProblem(Throwable error, String text) {
        if (any(error, CertificateException.class) || any(error, CertPathValidatorException.class)) {
            return true;
        }
        // A received unknown_ca alert is the server refusing the client's chain: a certificate problem as well.
        return text.contains("certificate") || text.contains("subject alternative")
                || text.contains("no name matching") || text.contains("pkix path") || text.contains("unknown_ca")
                || text.contains("unknown ca");
    }

    private static boolean isClosed(Throwable error, String text) {
        return any(error, ClosedChannelException.class) || any(error, EOFException.class)
                || text.contains("closed") || text.contains("terminated the handshake") || text.contains("eof");
    }

    private static boolean any(Throwable error, Class<? extends Throwable> type) {
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (type.isInstance(t)) {
                return true;
            }
        }
        return false;
    }

    private static String messages(Throwable error) {
        StringBuilder b = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            b.append(t.getClass().getSimpleName()).append(": ").append(t.getMessage()).append(" | ");
        }
        return b.toString().toLowerCase(Locale.ROOT);
    }

    /** One line for logs and the status API: the innermost causes say most. */
    public static String describe(Throwable error) {
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String top = error.getClass().getSimpleName() + ": " + error.getMessage();
        return root == error ? top : top + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
    }
}
