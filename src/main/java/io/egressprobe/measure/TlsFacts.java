package io.egressprobe.measure;

import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** What a completed handshake tells about the peer. */
public record TlsFacts(String protocol, String cipherSuite, Optional<Instant> earliestExpiry) {

    /** The earliest {@code notAfter} of the peer chain: the certificate that will break the connection first. */
    public static Optional<Instant> earliestExpiry(List<? extends Certificate> chain) {
        return chain.stream()
                .filter(X509Certificate.class::isInstance)
                .map(c -> ((X509Certificate) c).getNotAfter().toInstant())
                .min(Instant::compareTo);
    }
}
