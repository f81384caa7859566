package io.egressprobe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientKeysTest {
    @TempDir
    Path dir;

    /** cert-manager writes RSA keys as PKCS#1 by default; BouncyCastle's writer does too, as OpenSSL's genrsa did. */
    @Test
    void shouldReadAPkcs1RsaKeyAsWellAsPkcs8() throws Exception {
        KeyPair rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
        StringWriter pem = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(pem)) {
            writer.writeObject(rsa.getPrivate());
        }
        Path pkcs1 = Files.writeString(dir.resolve("pkcs1.key"), pem.toString());
        Path pkcs8 = Files.writeString(dir.resolve("pkcs8.key"), "-----BEGIN PRIVATE KEY-----\n"
                + java.util.Base64.getMimeEncoder().encodeToString(rsa.getPrivate().getEncoded()) + "\n-----END PRIVATE KEY-----\n");

        assertThat(pem.toString()).startsWith("-----BEGIN RSA PRIVATE KEY-----");
        assertThat(ClientKeys.privateKey(pkcs1).getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
        assertThat(ClientKeys.privateKey(pkcs8).getEncoded()).isEqualTo(rsa.getPrivate().getEncoded());
    }

    @Test
    void shouldSayWhatIsWrongWithAFileThatHoldsNoKey() throws Exception {
        Path encrypted = Files.writeString(dir.resolve("enc.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        Path certificate = Files.writeString(dir.resolve("tls.crt"), "not a certificate\n");

        assertThatThrownBy(() -> ClientKeys.privateKey(encrypted)).isInstanceOf(GeneralSecurityException.class)
                .hasMessage("the key is encrypted: give it unencrypted");
        assertThat(ClientKeys.problem(certificate, true)).contains(certificate + ": it holds no PEM CERTIFICATE block");
    }
}
