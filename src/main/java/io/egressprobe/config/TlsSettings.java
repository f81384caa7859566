package io.egressprobe.config;

import java.nio.file.Path;
import java.util.Optional;

/**
 * Certificate verification is on unless a target turns it off explicitly.
 *
 * @param client the certificate to present where the server asks for one (mTLS); none by default
 */
public record TlsSettings(boolean verify, Optional<Path> caFile, Optional<ClientCertificate> client) {
    public static final TlsSettings DEFAULT = new TlsSettings(true, Optional.empty(), Optional.empty());

    public TlsSettings(boolean verify, Optional<Path> caFile) {
        this(verify, caFile, Optional.empty());
    }

    /** A client certificate chain and its private key, PEM files (a mounted Secret's {@code tls.crt} and {@code tls.key}). */
    public record ClientCertificate(Path certFile, Path keyFile) {}
}
