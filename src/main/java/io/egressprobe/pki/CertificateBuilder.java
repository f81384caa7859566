package io.egressprobe.pki;

import java.io.ByteArrayInputStream;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds X.509 v3 certificates with the JDK alone (no BouncyCastle in the runtime image): the demo's
 * identity service and the tests' valid, expired, wrong-host and untrusted servers.
 */
public final class CertificateBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();
    /** ecdsa-with-SHA256: every key here is ECDSA P-256, what TLS servers commonly present today. */
    private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

    private final String commonName;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private boolean ca;
    private boolean clientAuth;
    private IssuedCertificate issuer;

    private CertificateBuilder(String commonName) {
        this.commonName = commonName;
    }

    public static CertificateBuilder subject(String commonName) {
        return new CertificateBuilder(commonName);
    }

    public CertificateBuilder dnsName(String name) {
        dnsNames.add(name);
        return this;
    }

    public CertificateBuilder ipAddress(String address) {
        ipAddresses.add(address);
        return this;
    }

    public CertificateBuilder validity(Instant from, Instant until) {
        this.notBefore = from;
        this.notAfter = until;
        return this;
    }

    /** A client certificate (extended key usage clientAuth) instead of a server's (serverAuth). */
    public CertificateBuilder clientAuth() {
        this.clientAuth = true;
        return this;
    }

    public CertificateBuilder certificateAuthority() {
        this.ca = true;
        return this;
    }

    /** Signed by {@code issuer}; without it the certificate signs itself. */
    public CertificateBuilder issuedBy(IssuedCertificate issuer) {
        this.issuer = issuer;
        return this;
    }

    public IssuedCertificate build() {
        try {
            KeyPair keys = generateP256();
            byte[] subjectName = name(commonName);
            byte[] issuerName = issuer == null ? subjectName : issuer.certificate().getSubjectX500Principal().getEncoded();
            byte[] algorithm = Der.sequence(Der.oid(ECDSA_WITH_SHA256));
            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(BigInteger.TWO)),
                    Der.integer(new BigInteger(64, RANDOM).add(BigInteger.ONE)),
                    algorithm,
                    issuerName,
                    Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                    subjectName,
                    keys.getPublic().getEncoded(),
                    Der.explicit(3, extensions()));
            Signature signer = Signature.getInstance("SHA256withECDSA");
            signer.initSign(issuer == null ? keys.getPrivate() : issuer.privateKey());
            signer.update(tbs);
            byte[] der = Der.sequence(tbs, algorithm, Der.bitString(signer.sign(), 0));
            X509Certificate cert = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(der));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            if (issuer != null && !issuer.certificate().getSubjectX500Principal().equals(issuer.certificate().getIssuerX500Principal())) {
                chain.addAll(issuer.chain());
            }
            return new IssuedCertificate(cert, keys.getPrivate(), chain);
        } catch (GeneralSecurityException | UnknownHostException e) {
            throw new IllegalStateException("cannot build certificate for " + commonName, e);
        }
    }

    private byte[] extensions() throws UnknownHostException {
        List<byte[]> ext = new ArrayList<>();
        ext.add(extension("2.5.29.19", true, ca ? Der.sequence(Der.bool(true)) : Der.sequence()));
        // keyUsage bits from the most significant: digitalSignature(0), keyCertSign(5), cRLSign(6)
        int bits = ca ? 0x06 : 0x80;
        ext.add(extension("2.5.29.15", true, Der.bitString(new byte[] {(byte) bits}, Integer.numberOfTrailingZeros(bits))));
        if (!ca) {
            ext.add(extension("2.5.29.37", false, Der.sequence(Der.oid(clientAuth ? "1.3.6.1.5.5.7.3.2" : "1.3.6.1.5.5.7.3.1"))));
        }
        if (!dnsNames.isEmpty() || !ipAddresses.isEmpty()) {
            List<byte[]> names = new ArrayList<>();
            for (String dns : dnsNames) {
                names.add(Der.implicitPrimitive(2, dns.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            }
            for (String ip : ipAddresses) {
                names.add(Der.implicitPrimitive(7, InetAddress.getByName(ip).getAddress()));
            }
            ext.add(extension("2.5.29.17", false, Der.sequence(names.toArray(new byte[0][]))));
        }
        return Der.sequence(ext.toArray(new byte[0][]));
    }

    private static byte[] extension(String oid, boolean critical, byte[] value) {
        return critical
                ? Der.sequence(Der.oid(oid), Der.bool(true), Der.octetString(value))
                : Der.sequence(Der.oid(oid), Der.octetString(value));
    }

    private static byte[] name(String commonName) {
        return Der.sequence(Der.set(Der.sequence(Der.oid("2.5.4.3"), Der.utf8(commonName))));
    }

    private static KeyPair generateP256() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }
}
