package io.egressprobe.demo;

import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's world in one process: a CA, an "identity service" behind a generated certificate, and
 * the config the daemon probes it with, written where the user can read it.
 */
public final class DemoSetup implements AutoCloseable {
    private final TlsTargetServer identity;
    private final Path configFile;
    private final String configText;

    private DemoSetup(TlsTargetServer identity, Path configFile, String configText) {
        this.identity = identity;
        this.configFile = configFile;
        this.configText = configText;
    }

    public static DemoSetup start(Path dir, int listenPort, long seed) throws IOException {
        IssuedCertificate ca = CertificateBuilder.subject("egress-probe demo CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("localhost").dnsName("localhost").ipAddress("127.0.0.1")
                .issuedBy(ca).build();
        Path caFile = dir.resolve("demo-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        TlsTargetServer identity = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, leaf,
                new HeavyTailLatency(seed), 200);
        // The handshake delay stands for Envoy's upstream connect, so the demo measures on the sidecar
        // path, where that connect shows up inside the TLS handshake.
        String config = """
                # Written by `egress-probe demo`. Edit it while the demo runs: it is reloaded on change.
                listen: 127.0.0.1:%d
                mode: sidecar
                defaults:
                  interval: 1s
                  probeTimeout: 3s
                  window: 10m
                  envoyConnectTimeout: 1s
                  minSamples: 20
                targets:
                  - name: identity
                    host: localhost
                    port: %d
                    tls: { caFile: %s }
                    http: { path: /healthz, expectStatus: [200] }
                    labels: { team: iam }
                """.formatted(listenPort, identity.port(), caFile.getFileName());
        Path configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, config);
        return new DemoSetup(identity, configFile, config);
    }

    public Path configFile() {
        return configFile;
    }

    public String configText() {
        return configText;
    }

    @Override
    public void close() {
        identity.close();
    }
}
