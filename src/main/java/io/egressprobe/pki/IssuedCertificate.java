package io.egressprobe.pki;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;

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

    public String privateKeyPem() {
        return pem("PRIVATE KEY", privateKey.getEncoded());
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
