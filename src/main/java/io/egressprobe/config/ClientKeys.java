package io.egressprobe.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * Reads a client certificate's PEM files, a mounted Secret's {@code tls.crt} and {@code tls.key}: the chain
 * ({@code CERTIFICATE} blocks, leaf first) and the unencrypted private key in any form cert-manager and OpenSSL write
 * it: PKCS#8 ({@code PRIVATE KEY}), PKCS#1 ({@code RSA PRIVATE KEY}, cert-manager's default for RSA) or SEC1
 * ({@code EC PRIVATE KEY}, its default for ECDSA), for RSA, EC and Ed25519 keys. Bouncy Castle parses the PEM; the
 * keys are the JDK's own, as both TLS engines take them. Pure but for reading the files.
 */
public final class ClientKeys {
    private static final byte[] CHALLENGE = "egress-probe: is this key the certificate's?".getBytes(StandardCharsets.US_ASCII);

    private ClientKeys() {}

    /** A certificate chain and the private key of its leaf, checked to be one pair. */
    public record Pair(List<X509Certificate> chain, PrivateKey key) {
        public Pair {
            chain = List.copyOf(chain);
        }
    }

    public static List<X509Certificate> chain(Path file) throws IOException, GeneralSecurityException {
        return chain(Files.readAllBytes(file));
    }

    public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        return privateKey(Files.readAllBytes(file));
    }

    /** Both files, read and checked to be one pair; the message names both where they are not. */
    public static Pair pair(Path certFile, Path keyFile) throws IOException, GeneralSecurityException {
        return pair(certFile, Files.readAllBytes(certFile), keyFile, Files.readAllBytes(keyFile));
    }

    /** The pair from contents already read (once each, so that a caller can tell whether the files moved meanwhile). */
    public static Pair pair(Path certFile, byte[] certPem, Path keyFile, byte[] keyPem) throws GeneralSecurityException {
        List<X509Certificate> chain;
        PrivateKey key;
        try {
            chain = chain(certPem);
        } catch (IOException | GeneralSecurityException e) {
            throw new GeneralSecurityException(certFile + ": " + e.getMessage(), e);
        }
        try {
            key = privateKey(keyPem);
        } catch (IOException | GeneralSecurityException e) {
            throw new GeneralSecurityException(keyFile + ": " + e.getMessage(), e);
        }
        Optional<String> mismatch = mismatch(chain.get(0), key);
        if (mismatch.isPresent()) {
            throw new KeyMismatchException(certFile + " and " + keyFile + " are not one pair: " + mismatch.get());
        }
        return new Pair(chain, key);
    }

    /** Why the key is not the certificate's, or empty where it is: its signature verifies with the certificate's key. */
    public static Optional<String> mismatch(X509Certificate leaf, PrivateKey key) {
        PublicKey certified = leaf.getPublicKey();
        String subject = leaf.getSubjectX500Principal().getName();
        if (!family(certified.getAlgorithm()).equals(family(key.getAlgorithm()))) {
            return Optional.of("the key is " + family(key.getAlgorithm()) + " and the certificate (" + subject + ") holds an "
                    + family(certified.getAlgorithm()) + " key");
        }
        try {
            String algorithm = signatureAlgorithm(key);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(key);
            signer.update(CHALLENGE);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(CHALLENGE);
            if (verifier.verify(signature)) {
                return Optional.empty();
            }
        } catch (GeneralSecurityException e) {
            return Optional.of("a signature with the key does not verify with the certificate (" + subject + "): " + e.getMessage());
        }
        return Optional.of("the key belongs to another certificate than " + subject + " (a signature made with it does not"
                + " verify with the certificate's public key)");
    }

    /** Whether the key is Ed25519, which BoringSSL through netty-tcnative does not present as a client key. */
    public static boolean isEd25519(PrivateKey key) {
        return family(key.getAlgorithm()).equals("Ed25519");
    }

    /** Thrown where both files are readable but of two different pairs: a local configuration problem. */
    public static final class KeyMismatchException extends GeneralSecurityException {
        KeyMismatchException(String message) {
            super(message);
        }
    }

    /** Why a file cannot serve, for the config's error; empty when it can. */
    static Optional<String> problem(Path file, boolean certificate) {
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            return Optional.of("cannot read " + file);
        }
        try {
            if (certificate) {
                chain(file);
            } else {
                privateKey(file);
            }
            return Optional.empty();
        } catch (IOException | GeneralSecurityException e) {
            return Optional.of(file + ": " + e.getMessage());
        }
    }

    private static List<X509Certificate> chain(byte[] pem) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (Object o : objects(pem)) {
            if (o instanceof X509CertificateHolder holder) {
                chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(holder.getEncoded())));
            }
        }
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("it holds no PEM CERTIFICATE block");
        }
        return chain;
    }

    private static PrivateKey privateKey(byte[] pem) throws IOException, GeneralSecurityException {
        JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
        for (Object o : objects(pem)) {
            if (o instanceof PEMKeyPair traditional) { // PKCS#1 RSA or SEC1 EC
                return converter.getPrivateKey(traditional.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo pkcs8) {
                return converter.getPrivateKey(pkcs8);
            }
            if (o instanceof PKCS8EncryptedPrivateKeyInfo || o instanceof PEMEncryptedKeyPair) {
                throw new GeneralSecurityException("the key is encrypted: give it unencrypted");
            }
        }
        throw new GeneralSecurityException("it holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }

    /** Every PEM object in the text; one that does not parse says so. */
    private static List<Object> objects(byte[] pem) throws IOException {
        List<Object> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(new String(pem, StandardCharsets.US_ASCII)))) {
            for (Object o; (o = parser.readObject()) != null; ) {
                out.add(o);
            }
        } catch (IOException | RuntimeException e) {
            throw new IOException("not PEM as expected (" + e.getMessage() + ")", e);
        }
        return out;
    }

    private static String family(String algorithm) {
        return switch (algorithm) {
            case "EC", "ECDSA" -> "EC";
            case "EdDSA", "Ed25519" -> "Ed25519";
            default -> algorithm;
        };
    }

    private static String signatureAlgorithm(PrivateKey key) throws GeneralSecurityException {
        return switch (family(key.getAlgorithm())) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519" -> "Ed25519";
            default -> throw new GeneralSecurityException("a " + key.getAlgorithm() + " key: RSA, EC and Ed25519 keys are supported");
        };
    }
}
