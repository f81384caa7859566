package io.egressprobe.pki;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Builds X.509 v3 certificates with Bouncy Castle's bcpkix (the encoding is theirs, the keys and signatures the JDK's
 * providers'): the demo's identity service and the tests' valid, expired, wrong-host, untrusted and client certificates.
 */
public final class CertificateBuilder {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The key types a certificate can carry here: ECDSA P-256 (what TLS servers commonly present today) by default. */
    public enum KeyType {
        EC_P256, RSA_2048, ED25519;

        KeyPair generate() throws GeneralSecurityException {
            return switch (this) {
                case EC_P256 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
                    g.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
                    yield g.generateKeyPair();
                }
                case RSA_2048 -> {
                    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
                    g.initialize(2048, RANDOM);
                    yield g.generateKeyPair();
                }
                case ED25519 -> KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
            };
        }
    }

    private final String commonName;
    private final List<GeneralName> altNames = new ArrayList<>();
    private Instant notBefore = Instant.now().minus(Duration.ofHours(1));
    private Instant notAfter = Instant.now().plus(Duration.ofDays(30));
    private boolean ca;
    private boolean clientAuth;
    private KeyType keyType = KeyType.EC_P256;
    private IssuedCertificate issuer;

    private CertificateBuilder(String commonName) {
        this.commonName = commonName;
    }

    public static CertificateBuilder subject(String commonName) {
        return new CertificateBuilder(commonName);
    }

    public CertificateBuilder dnsName(String name) {
        altNames.add(new GeneralName(GeneralName.dNSName, name));
        return this;
    }

    public CertificateBuilder ipAddress(String address) {
        altNames.add(new GeneralName(GeneralName.iPAddress, address));
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

    public CertificateBuilder keyType(KeyType type) {
        this.keyType = type;
        return this;
    }

    /** Signed by {@code issuer}; without it the certificate signs itself. */
    public CertificateBuilder issuedBy(IssuedCertificate issuer) {
        this.issuer = issuer;
        return this;
    }

    public IssuedCertificate build() {
        try {
            KeyPair keys = keyType.generate();
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, commonName).build();
            X500Name issuerName = issuer == null ? subject : X500Name.getInstance(
                    issuer.certificate().getSubjectX500Principal().getEncoded());
            X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuerName,
                    new BigInteger(64, RANDOM).add(BigInteger.ONE), Date.from(notBefore), Date.from(notAfter), subject,
                    keys.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                    : keyType == KeyType.RSA_2048 ? KeyUsage.digitalSignature | KeyUsage.keyEncipherment : KeyUsage.digitalSignature));
            if (!ca) {
                builder.addExtension(Extension.extendedKeyUsage, false,
                        new ExtendedKeyUsage(clientAuth ? KeyPurposeId.id_kp_clientAuth : KeyPurposeId.id_kp_serverAuth));
            }
            if (!altNames.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(altNames.toArray(new GeneralName[0])));
            }
            java.security.PrivateKey signingKey = issuer == null ? keys.getPrivate() : issuer.privateKey();
            X509Certificate cert = new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder(signatureAlgorithm(signingKey)).build(signingKey)));
            List<X509Certificate> chain = new ArrayList<>();
            chain.add(cert);
            if (issuer != null && !issuer.certificate().getSubjectX500Principal().equals(issuer.certificate().getIssuerX500Principal())) {
                chain.addAll(issuer.chain());
            }
            return new IssuedCertificate(cert, keys.getPrivate(), chain);
        } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
            throw new IllegalStateException("cannot build certificate for " + commonName, e);
        }
    }

    private static String signatureAlgorithm(java.security.PrivateKey key) {
        return switch (key.getAlgorithm()) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            default -> "Ed25519"; // "EdDSA" or "Ed25519", as the provider names it
        };
    }
}
