package io.egressprobe.measure;

import java.util.Optional;

/**
 * Which side a {@code tls_certificate} failure over the client certificate (mTLS) is on: the server's trust, or this
 * probe's own files. The prober starts a failure's detail with the text; the advice reads it back, so that a refused
 * client certificate never sends the operator to the server's certificate ({@code caFile}, {@code verify}), and a
 * local problem never to the server.
 */
public enum ClientCertificateProblem {
    /** The server asked for one (a CertificateRequest) and the handshake then failed: the target has none. */
    NONE_CONFIGURED("the server requires a client certificate and none is configured"),
    /** The server named the issuers it accepts and the configured certificate is from none of them: the engine sent none. */
    NONE_ACCEPTABLE("the server requires a client certificate and the configured one does not fit its request (the"
            + " issuers it names), so none was sent"),
    /** The certificate was sent and the server's alert refused it. */
    REFUSED("the server refused the client certificate"),
    /** The files cannot serve as configured (a key of another pair, a form the TLS engine rejects): no server was asked. */
    UNUSABLE("the client certificate cannot be used (a local configuration problem)");

    private final String text;

    ClientCertificateProblem(String text) {
        this.text = text;
    }

    /** The words a failure's detail starts with. */
    public String text() {
        return text;
    }

    /** The problem a failure's detail (or a last error that quotes it) names, if it names one. */
    public static Optional<ClientCertificateProblem> of(String detail) {
        for (ClientCertificateProblem p : values()) {
            if (detail.contains(p.text)) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }
}
