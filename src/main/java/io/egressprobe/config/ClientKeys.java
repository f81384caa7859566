package io.egressprobe.config;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a client certificate's PEM files: the chain ({@code CERTIFICATE} blocks) and the private key, unencrypted PKCS#8
 * ({@code PRIVATE KEY}) or PKCS#1 RSA ({@code RSA PRIVATE KEY}, what cert-manager writes by default), RSA or EC. Pure.
 */
public final class ClientKeys {
    private static final Pattern BLOCK = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");
    /** The DER of the rsaEncryption AlgorithmIdentifier: SEQUENCE { OID 1.2.840.113549.1.1.1, NULL }. */
    private static final byte[] RSA_ALGORITHM = {0x30, 0x0d, 0x06, 0x09, 0x2a, (byte) 0x86, 0x48, (byte) 0x86, (byte) 0xf7,
            0x0d, 0x01, 0x01, 0x01, 0x05, 0x00};

    private ClientKeys() {}

    public static List<X509Certificate> chain(Path file) throws IOException, GeneralSecurityException {
        List<X509Certificate> chain = new ArrayList<>();
        CertificateFactory factory = CertificateFactory.getInstance("X.509");
        for (byte[] der : blocks(Files.readString(file, StandardCharsets.US_ASCII), "CERTIFICATE")) {
            Certificate c = factory.generateCertificate(new ByteArrayInputStream(der));
            chain.add((X509Certificate) c);
        }
        if (chain.isEmpty()) {
            throw new GeneralSecurityException("it holds no PEM CERTIFICATE block");
        }
        return chain;
    }

    public static PrivateKey privateKey(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        List<byte[]> pkcs8 = blocks(text, "PRIVATE KEY");
        List<byte[]> pkcs1 = blocks(text, "RSA PRIVATE KEY");
        byte[] der;
        if (!pkcs8.isEmpty()) {
            der = pkcs8.get(0);
        } else if (!pkcs1.isEmpty()) {
            der = wrapRsa(pkcs1.get(0));
        } else {
            throw new GeneralSecurityException(text.contains("ENCRYPTED") ? "the key is encrypted: give it unencrypted"
                    : text.contains("EC PRIVATE KEY") ? "an EC key in SEC1 form: convert it with openssl pkcs8 -topk8 -nocrypt"
                    : "it holds no PEM PRIVATE KEY or RSA PRIVATE KEY block");
        }
        for (String algorithm : new String[] {"RSA", "EC"}) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // the other algorithm
            }
        }
        throw new GeneralSecurityException("the key is neither RSA nor EC");
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

    private static List<byte[]> blocks(String pem, String type) {
        List<byte[]> out = new ArrayList<>();
        for (Matcher m = BLOCK.matcher(pem); m.find(); ) {
            if (m.group(1).equals(type)) {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            }
        }
        return out;
    }

    /** PKCS#1 RSAPrivateKey → PKCS#8 PrivateKeyInfo { version 0, rsaEncryption, OCTET STRING { key } }. */
    private static byte[] wrapRsa(byte[] pkcs1) {
        byte[] version = {0x02, 0x01, 0x00};
        byte[] octets = tlv(0x04, pkcs1);
        byte[] body = new byte[version.length + RSA_ALGORITHM.length + octets.length];
        System.arraycopy(version, 0, body, 0, version.length);
        System.arraycopy(RSA_ALGORITHM, 0, body, version.length, RSA_ALGORITHM.length);
        System.arraycopy(octets, 0, body, version.length + RSA_ALGORITHM.length, octets.length);
        return tlv(0x30, body);
    }

    private static byte[] tlv(int tag, byte[] content) {
        int n = content.length;
        byte[] length = n < 0x80 ? new byte[] {(byte) n} : n < 0x100 ? new byte[] {(byte) 0x81, (byte) n}
                : n < 0x10000 ? new byte[] {(byte) 0x82, (byte) (n >> 8), (byte) n}
                : new byte[] {(byte) 0x83, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
        byte[] out = new byte[1 + length.length + n];
        out[0] = (byte) tag;
        System.arraycopy(length, 0, out, 1, length.length);
        System.arraycopy(content, 0, out, 1 + length.length, n);
        return out;
    }
}
