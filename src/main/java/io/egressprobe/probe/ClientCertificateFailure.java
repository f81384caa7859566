package io.egressprobe.probe;

import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.ClientCertificateProblem;
import java.util.Optional;

/**
 * Words for a handshake that broke after the server asked for a client certificate: which of the four it was, as
 * {@link ClientCertificateProblem} names them, from what the key manager saw and whether the server sent an alert.
 */
final class ClientCertificateFailure {
    private ClientCertificateFailure() {}

    /**
     * @param client        the target's client certificate files, if it has any
     * @param issuer        the configured certificate's issuer, where known
     * @param receivedAlert whether the server's alert ended the handshake (else this side's engine failed)
     * @param error         the engine's own words
     */
    static String describe(Optional<TlsSettings.ClientCertificate> client, Optional<String> issuer, ClientCertificateRequest request,
                           boolean receivedAlert, String error) {
        if (client.isPresent() && !receivedAlert) {
            return ClientCertificateProblem.UNUSABLE.text() + ": the TLS engine failed with " + client.get().certFile() + " and "
                    + client.get().keyFile() + " before the server answered: " + error;
        }
        if (client.isEmpty()) {
            return ClientCertificateProblem.NONE_CONFIGURED.text() + ": " + error;
        }
        String certificate = client.get().certFile() + issuer.map(i -> " (issued by " + i + ")").orElse("");
        if (!request.sent()) {
            boolean issuerAccepted = issuer.isPresent() && request.issuers().contains(issuer.get());
            return ClientCertificateProblem.NONE_ACCEPTABLE.text() + ": it accepts " + request.issuersText() + "; "
                    + certificate + (issuerAccepted ? " is from one of them, but not of a key type the TLS engine offers"
                    + " for this request" : " is not from one of them") + ": " + error;
        }
        return ClientCertificateProblem.REFUSED.text() + " " + certificate + ": " + error;
    }
}
