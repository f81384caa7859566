package io.egressprobe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.CertificateBuilder.KeyType;
import io.egressprobe.pki.IssuedCertificate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ClientKeysTest {
    @TempDir
    Path dir;

    /**
     * cert-manager writes RSA keys as PKCS#1 and ECDSA keys as SEC1 by default (Bouncy Castle's writer does the same, as
     * OpenSSL's genrsa and ecparam do); PKCS#8 is what {@code openssl pkcs8 -topk8} and Ed25519 keys are.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(KeyType.class)
    void shouldReadTheKeyInEveryUnencryptedFormAsOnePairWithItsCertificate(KeyType type) throws Exception {
        IssuedCertificate cert = CertificateBuilder.subject("payments-client").clientAuth().keyType(type).build();
        Path certFile = Files.writeString(dir.resolve("tls.crt"), cert.chainPem());
        Path traditional = Files.writeString(dir.resolve("traditional.key"), cert.traditionalPrivateKeyPem());
        Path pkcs8 = Files.writeString(dir.resolve("pkcs8.key"), cert.privateKeyPem());

        assertThat(Files.readString(traditional)).startsWith(switch (type) {
            case RSA_2048 -> "-----BEGIN RSA PRIVATE KEY-----";
            case EC_P256 -> "-----BEGIN EC PRIVATE KEY-----";
            case ED25519 -> "-----BEGIN PRIVATE KEY-----";
        });
        for (Path key : new Path[] {traditional, pkcs8}) {
            ClientKeys.Pair pair = ClientKeys.pair(certFile, key);
            assertThat(secret(pair.key())).as(key.getFileName().toString()).isEqualTo(secret(cert.privateKey()));
            assertThat(pair.chain()).containsExactly(cert.certificate());
        }
    }

    /** The secret itself: an EC key's encoding differs by whether it repeats the curve and public key, not its scalar. */
    private static Object secret(java.security.PrivateKey key) {
        return key instanceof java.security.interfaces.ECPrivateKey ec ? ec.getS() : java.util.Arrays.toString(key.getEncoded());
    }

    /** {@code openssl ecparam -genkey} writes an EC PARAMETERS block before the SEC1 key. */
    @Test
    void shouldReadASec1KeyAsOpenSslEcparamWritesIt() throws Exception {
        Path fixtures = Path.of("src/test/resources/config/invalid");
        assertThat(Files.readString(fixtures.resolve("client-a.key"))).startsWith("-----BEGIN EC PARAMETERS-----");

        ClientKeys.Pair pair = ClientKeys.pair(fixtures.resolve("client-a.crt"), fixtures.resolve("client-a.key"));

        assertThat(pair.key().getAlgorithm()).isEqualTo("EC");
    }

    @Test
    void shouldNameBothFilesWhenTheKeyIsOfAnotherPair() throws Exception {
        IssuedCertificate ours = CertificateBuilder.subject("payments-client").clientAuth().build();
        IssuedCertificate other = CertificateBuilder.subject("payments-client").clientAuth().build();
        IssuedCertificate rsa = CertificateBuilder.subject("payments-client").clientAuth().keyType(KeyType.RSA_2048).build();
        Path certFile = Files.writeString(dir.resolve("tls.crt"), ours.chainPem());
        Path otherKey = Files.writeString(dir.resolve("other.key"), other.traditionalPrivateKeyPem());
        Path rsaKey = Files.writeString(dir.resolve("rsa.key"), rsa.traditionalPrivateKeyPem());

        assertThatThrownBy(() -> ClientKeys.pair(certFile, otherKey)).isInstanceOf(ClientKeys.KeyMismatchException.class)
                .hasMessage(certFile + " and " + otherKey + " are not one pair: the key belongs to another certificate than"
                        + " CN=payments-client (a signature made with it does not verify with the certificate's public key)");
        assertThatThrownBy(() -> ClientKeys.pair(certFile, rsaKey)).isInstanceOf(ClientKeys.KeyMismatchException.class)
                .hasMessage(certFile + " and " + rsaKey + " are not one pair: the key is RSA and the certificate"
                        + " (CN=payments-client) holds an EC key");
    }

    @Test
    void shouldSayWhatIsWrongWithAFileThatHoldsNoKey() throws Exception {
        Path encrypted = Files.writeString(dir.resolve("enc.key"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\n"
                + "MIGbMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAiWBa3Ob4WsYQICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEGcZ\n"
                + "-----END ENCRYPTED PRIVATE KEY-----\n");
        Path certificate = Files.writeString(dir.resolve("tls.crt"), "not a certificate\n");

        assertThat(ClientKeys.problem(certificate, true)).contains(certificate + ": it holds no PEM CERTIFICATE block");
        assertThat(ClientKeys.problem(encrypted, false)).hasValueSatisfying(p -> assertThat(p).startsWith(encrypted + ": "));
        assertThatThrownBy(() -> ClientKeys.privateKey(certificate)).isInstanceOf(GeneralSecurityException.class)
                .hasMessage("it holds no PEM private key (PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)");
    }
}
