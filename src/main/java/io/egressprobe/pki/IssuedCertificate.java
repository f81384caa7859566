package io.egressprobe.pki;

import java.io.ByteArrayOutputStream;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.sec.ECPrivateKey;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.util.io.pem.PemObject;

/**
 * A certificate with its private key and the chain a server presents (leaf first, without the root).
 */
public record IssuedCertificate(X509Certificate certificate, PrivateKey privateKey, List<X509Certificate> chain) {

    public IssuedCertificate {
        chain = List.copyOf(chain);
    }

    public String certificatePem() {
        return pem("CERTIFICATE", encoded(certificate));
    }

    /** The chain as one PEM bundle, leaf first: what a server's certificate file holds. */
    public String chainPem() {
        StringBuilder b = new StringBuilder();
        chain.forEach(c -> b.append(pem("CERTIFICATE", encoded(c))));
        return b.toString();
    }

    /** The key as PKCS#8 ({@code PRIVATE KEY}). */
    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
    }

    /**
     * The key in the form OpenSSL's traditional tools and cert-manager write by default: PKCS#1 ({@code RSA PRIVATE
     * KEY}) for RSA, SEC1 ({@code EC PRIVATE KEY}) for EC, PKCS#8 for Ed25519, which has no other.
     */
    public String traditionalPrivateKeyPem() {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            if (privateKey.getAlgorithm().equals("EC")) {
                // The JDK's PKCS#8 names the curve only outside the inner key, and Bouncy Castle's writer copies that
                // inner key alone: SEC1 as OpenSSL and Go (cert-manager) write it carries the curve and public key.
                PrivateKeyInfo info = PrivateKeyInfo.getInstance(privateKey.getEncoded());
                ECPrivateKey inner = ECPrivateKey.getInstance(info.parsePrivateKey());
                ECPrivateKey sec1 = new ECPrivateKey(((java.security.interfaces.ECPrivateKey) privateKey).getParams().getOrder().bitLength(),
                        inner.getKey(), new DERBitString(SubjectPublicKeyInfo.getInstance(certificate.getPublicKey().getEncoded())
                        .getPublicKeyData().getBytes()), info.getPrivateKeyAlgorithm().getParameters());
                writer.writeObject(new PemObject("EC PRIVATE KEY", sec1.getEncoded()));
            } else {
                writer.writeObject(privateKey);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toString();
    }

    /** An in-memory PKCS#12 store holding the key and chain under alias {@code server}, password {@code password}. */
    public KeyStore keyStore(char[] password) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("server", privateKey, password, chain.toArray(new X509Certificate[0]));
            return ks;
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build key store", e);
        }
    }

    private static byte[] encoded(X509Certificate c) {
        try {
            return c.getEncoded();
        } catch (java.security.cert.CertificateEncodingException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String pem(String type, byte[] der) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(("-----BEGIN " + type + "-----\n").getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encode(der));
        out.writeBytes(("\n-----END " + type + "-----\n").getBytes(StandardCharsets.US_ASCII));
        return out.toString(StandardCharsets.US_ASCII);
    }
}
