package io.egressprobe.measure;

import java.util.Locale;
import java.util.Optional;

/**
 * Which check a server's certificate failed, read from the error text the JDK or BoringSSL gives: the
 * reason {@code tls_certificate} alone does not tell a user whether to renew, to fix a name or to trust
 * a private CA.
 */
public final class CertificateProblem {
    private CertificateProblem() {}

    public static Optional<String> of(String detail) {
        String d = detail.toLowerCase(Locale.ROOT);
        if (d.contains("expired") || d.contains("notafter")) {
            return Optional.of("the certificate has expired");
        }
        if (d.contains("not yet valid") || d.contains("notyetvalid") || d.contains("notbefore")) {
            return Optional.of("the certificate is not valid yet");
        }
        if (d.contains("subject alternative") || d.contains("no name matching") || d.contains("hostname")) {
            return Optional.of("the certificate does not name the host (SNI)");
        }
        if (d.contains("certification path") || d.contains("pkix") || d.contains("self signed")
                || d.contains("self-signed") || d.contains("unknown ca") || d.contains("issuer")) {
            return Optional.of("the certificate's issuer is not trusted");
        }
        return Optional.empty();
    }
}
