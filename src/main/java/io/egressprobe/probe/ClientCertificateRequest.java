package io.egressprobe.probe;

import java.security.Principal;
import java.util.List;
import java.util.stream.Collectors;

/**
 * What the key manager saw of a server's CertificateRequest: the issuers it accepts (empty where it named none) and
 * whether a certificate was chosen to send. A certificate from none of the named issuers is never sent (both engines'
 * key managers filter by issuer), and the server's refusal that follows is "none sent", not "refused".
 */
record ClientCertificateRequest(List<String> issuers, boolean sent) {
    ClientCertificateRequest {
        issuers = List.copyOf(issuers);
    }

    static ClientCertificateRequest of(Principal[] issuers, boolean sent) {
        return new ClientCertificateRequest(issuers == null ? List.of()
                : java.util.Arrays.stream(issuers).map(Principal::getName).toList(), sent);
    }

    /** The engines may ask once per key type: a certificate sent for any of them was sent. */
    ClientCertificateRequest and(ClientCertificateRequest later) {
        return sent ? this : later;
    }

    String issuersText() {
        return issuers.isEmpty() ? "any issuer" : issuers.stream().limit(5).collect(Collectors.joining("; "))
                + (issuers.size() > 5 ? " and " + (issuers.size() - 5) + " more" : "");
    }
}
