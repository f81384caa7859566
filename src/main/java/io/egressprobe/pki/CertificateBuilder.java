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

    private final String commonName;
    private final List<String> dnsNames = new ArrayList<>();
    private final List<String> ipAddresses = new ArrayList<>();
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private KeyType keyType = KeyType.EC_P256;
    private boolean ca;
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

    public CertificateBuilder keyType(KeyType type) {
        this.keyType = type;
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
            KeyPair keys = generate(keyType);
            byte[] subjectName = name(commonName);
            byte[] issuerName = issuer == null ? subjectName : issuer.certificate().getSubjectX500Principal().getEncoded();
            KeyType signingType = issuer == null ? keyType
                    : "EC".equals(issuer.privateKey().getAlgorithm()) ? KeyType.EC_P256 : KeyType.RSA_2048;
            byte[] algorithm = signingType.signatureParamsNull
                    ? Der.sequence(Der.oid(signingType.signatureOid), Der.nul())
                    : Der.sequence(Der.oid(signingType.signatureOid));
            byte[] tbs = Der.sequence(
                    Der.explicit(0, Der.integer(BigInteger.TWO)),
                    Der.integer(new BigInteger(64, RANDOM).add(BigInteger.ONE)),
                    algorithm,
                    issuerName,
                    Der.sequence(Der.time(notBefore), Der.time(notAfter)),
                    subjectName,
                    keys.getPublic().getEncoded(),
                    Der.explicit(3, extensions()));
            Signature signer = Signature.getInstance(signingType.signatureAlgorithm);
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
        // keyUsage bits from the most significant: digitalSignature(0), keyEncipherment(2), keyCertSign(5), cRLSign(6)
        int bits = ca ? 0x06 : keyType == KeyType.RSA_2048 ? 0xA0 : 0x80;
        ext.add(extension("2.5.29.15", true, Der.bitString(new byte[] {(byte) bits}, Integer.numberOfTrailingZeros(bits))));
        if (!ca) {
            ext.add(extension("2.5.29.37", false, Der.sequence(Der.oid("1.3.6.1.5.5.7.3.1"))));
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

    private static KeyPair generate(KeyType type) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance(type.algorithm);
        if (type == KeyType.EC_P256) {
            generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        } else {
            generator.initialize(2048, RANDOM);
        }
        return generator.generateKeyPair();
    }
}
