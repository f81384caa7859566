package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.ClientCertificateProblem;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pair is read atomically: files rewritten one after the other (not as the kubelet does) leave a moment with the
 * new certificate beside the old key. That moment keeps the current pair; the same files still mismatched at the next
 * look are the configuration, and attempts fail on it naming both files.
 */
class TlsContextsIT {
    @TempDir
    Path dir;
    Vertx vertx = MeteredVertx.create();

    @AfterEach
    void tearDown() {
        vertx.close();
    }

    @Test
    void shouldKeepTheCurrentPairWhileTheNewFilesDoNotMatchAndCallItConfigurationWhenTheyStaySo() throws Exception {
        TlsContexts contexts = new TlsContexts(vertx, TlsEngine.JDK, Clock.systemUTC());
        IssuedCertificate a = CertificateBuilder.subject("client-a").clientAuth()
                .issuedBy(CertificateBuilder.subject("CA A").certificateAuthority().build()).build();
        IssuedCertificate b = CertificateBuilder.subject("client-b").clientAuth()
                .issuedBy(CertificateBuilder.subject("CA B, a longer name").certificateAuthority().build()).build();
        Path certFile = Files.writeString(dir.resolve("tls.crt"), a.chainPem());
        Path keyFile = Files.writeString(dir.resolve("tls.key"), a.traditionalPrivateKeyPem());
        TlsSettings tls = new TlsSettings(true, Optional.empty(), Optional.of(new TlsSettings.ClientCertificate(certFile, keyFile)));
        await(contexts.ready(tls));
        assertThat(contexts.clientIssuer(tls)).contains("CN=CA A");

        Files.writeString(certFile, b.chainPem()); // the new certificate, the old key still there
        await(contexts.lookNow(tls));
        assertThat(contexts.clientIssuer(tls)).as("the current pair stays").contains("CN=CA A");
        assertThat(contexts.newHandler(tls, "identity.test", 443)).isNotNull();

        Files.writeString(keyFile, b.traditionalPrivateKeyPem()); // the new key: one pair again
        await(contexts.lookNow(tls));
        assertThat(contexts.clientIssuer(tls)).contains("CN=CA B\\, a longer name");

        Files.writeString(certFile, a.chainPem()); // a mismatch that stays
        await(contexts.lookNow(tls));
        assertThat(contexts.clientIssuer(tls)).contains("CN=CA B\\, a longer name");
        await(contexts.lookNow(tls));
        assertThatThrownBy(() -> contexts.newHandler(tls, "identity.test", 443)).isInstanceOf(SSLException.class)
                .hasMessageStartingWith(ClientCertificateProblem.UNUSABLE.text())
                .hasMessageContaining(certFile + " and " + keyFile + " are not one pair");
    }

    private static void await(Future<Void> future) throws Exception {
        future.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }
}
