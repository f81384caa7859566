package io.egressprobe.config;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.util.Optional;

/**
 * Whether a file can serve as the CA certificates to trust: a file without one (a key, a CSR, an empty file) fails
 * every attempt as a certificate problem and pages the target's owners, so it is refused before it is used, by
 * {@code validate}, a reload and {@code check --ca-file} alike. Pure but for reading the file.
 */
public final class CaFiles {
    private CaFiles() {}

    /** Why {@code file} cannot be the CA file, or empty where it holds at least one certificate. */
    public static Optional<String> problem(Path file) {
        if (!Files.isReadable(file) || Files.isDirectory(file)) {
            return Optional.of("cannot read " + file);
        }
        try (InputStream in = Files.newInputStream(file)) {
            if (CertificateFactory.getInstance("X.509").generateCertificates(in).isEmpty()) {
                throw new CertificateException("no certificate in it");
            }
        } catch (IOException | CertificateException e) {
            String text = text(file);
            String holds = text.contains("PRIVATE KEY-----") ? "it holds a private key and no certificate"
                    : text.contains("CERTIFICATE REQUEST-----") ? "it holds a certificate request and no certificate"
                    : text.isBlank() ? "it is empty" : "it holds no certificate";
            return Optional.of(file + " is not a PEM file of CA certificates (-----BEGIN CERTIFICATE-----): " + holds);
        }
        return Optional.empty();
    }

    private static String text(Path file) {
        try {
            return Files.readString(file, java.nio.charset.StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            return "";
        }
    }
}
