package io.egressprobe.testing;

import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/**
 * A test CA and the server certificates the tests need. Names resolve through the test hosts file
 * ({@code src/test/resources/hosts}, set as {@code jdk.net.hosts.file}), so no test asks a DNS server.
 */
public final class TestPki {
    public static final String HOST = "identity.test";

    public final IssuedCertificate ca = CertificateBuilder.subject("egress-probe test CA").certificateAuthority().build();
    public final Path caFile;

    public TestPki(Path dir) throws IOException {
        caFile = dir.resolve("ca.pem");
        Files.writeString(caFile, ca.certificatePem());
    }

    public IssuedCertificate valid() {
        return CertificateBuilder.subject(HOST).dnsName(HOST).dnsName("localhost").ipAddress("127.0.0.1")
                .issuedBy(ca).build();
    }

    public IssuedCertificate expired() {
        Instant now = Instant.now();
        return CertificateBuilder.subject(HOST).dnsName(HOST)
                .validity(now.minus(Duration.ofDays(30)), now.minus(Duration.ofDays(1))).issuedBy(ca).build();
    }

    public IssuedCertificate wrongHost() {
        return CertificateBuilder.subject("other.test").dnsName("other.test").issuedBy(ca).build();
    }

    /** Valid in every way but signed by a CA nobody trusts. */
    public static IssuedCertificate untrusted() {
        IssuedCertificate otherCa = CertificateBuilder.subject("unknown CA").certificateAuthority().build();
        return CertificateBuilder.subject(HOST).dnsName(HOST).issuedBy(otherCa).build();
    }
}
