package io.egressprobe.demo;

import io.egressprobe.envoy.ClusterTimeouts;
import io.egressprobe.pki.CertificateBuilder;
import io.egressprobe.pki.IssuedCertificate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The demo's world in one process, shaped like a pod in the mesh: an "identity service" with a generated
 * certificate, an Envoy-like proxy in front of it whose upstream connects follow a heavy-tailed delay and
 * are cut at 1 s, a stand-in admin API reporting that timeout, and the config the daemon runs with,
 * written where the user can read and edit it.
 */
public final class DemoSetup implements AutoCloseable {
    private final TlsTargetServer identity;
    private final EnvoyLikeProxy proxy;
    private final DemoEnvoyAdmin admin;
    private final Path configFile;
    private final String configText;
    private final Path caFile;

    private DemoSetup(TlsTargetServer identity, EnvoyLikeProxy proxy, DemoEnvoyAdmin admin, Path configFile,
                      String configText, Path caFile) {
        this.identity = identity;
        this.proxy = proxy;
        this.admin = admin;
        this.configFile = configFile;
        this.configText = configText;
        this.caFile = caFile;
    }

    /**
     * @param speed how much faster than real time the scenario and the daemon's windows run (1 for the
     *              demo itself; tests compress a cycle into seconds)
     */
    public static DemoSetup start(Path dir, int listenPort, Scenario scenario, double speed, long seed) throws IOException {
        IssuedCertificate ca = CertificateBuilder.subject("egress-probe demo CA").certificateAuthority().build();
        IssuedCertificate leaf = CertificateBuilder.subject("localhost").dnsName("localhost").ipAddress("127.0.0.1")
                .issuedBy(ca).build();
        Path caFile = dir.resolve("demo-ca.pem");
        Files.writeString(caFile, ca.certificatePem());
        TlsTargetServer identity = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, leaf, () -> 0, 200);
        EnvoyLikeProxy proxy = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), identity.port()), scenario.envoyConnectTimeout(),
                new ScenarioLatency(scenario, speed, seed));
        DemoEnvoyAdmin admin = DemoEnvoyAdmin.start(ClusterTimeouts.outboundCluster("localhost", proxy.port()), scenario.envoyConnectTimeout(),
                proxy::envoyStatsJson);
        String config = """
                # Written by `egress-probe demo`. Edit it while the demo runs: it is reloaded on change.
                listen: 127.0.0.1:%d
                mode: auto                # finds the demo's "sidecar" below and probes through it
                # Shorter than production so that the story unfolds in minutes: window 2m, for 15s; four attempts a
                # second, so that the status page has bins of 100 connects for its p90-p99 band within the window.
                defaults:
                  interval: %s
                  probeTimeout: 3s
                  window: %s
                  minSamples: 20
                  for: %s
                envoy:
                  adminUrl: http://127.0.0.1:%d
                  readyUrl: http://127.0.0.1:%d/ready
                  refresh: %s
                targets:
                  - name: identity
                    host: localhost
                    port: %d
                    tls: { caFile: %s }
                    http: { path: /healthz, expectStatus: [200] }
                    labels: { team: iam }
                """.formatted(listenPort, scaled(250, speed, 100), scaled(120_000, speed, 10_000), scaled(15_000, speed, 1),
                admin.port(), admin.port(), scaled(5_000, speed, 1_000), proxy.port(), caFile.getFileName());
        Path configFile = dir.resolve("config.yaml");
        Files.writeString(configFile, config);
        return new DemoSetup(identity, proxy, admin, configFile, config, caFile);
    }

    /** {@code millis / speed} as a config duration, no shorter than {@code floor}. */
    static String scaled(long millis, double speed, long floor) {
        return Math.max(floor, Math.round(millis / speed)) + "ms";
    }

    public Path configFile() {
        return configFile;
    }

    public String configText() {
        return configText;
    }

    /** The identity service itself, without the sidecar: what {@code check} sees on a direct path. */
    /** The stand-in admin API of the sidecar: its cluster config and stats. */
    public int adminPort() {
        return admin.port();
    }

    public int identityPort() {
        return identity.port();
    }

    /** The Envoy-like sidecar in front of it, which cuts slow upstream connects. */
    public int proxyPort() {
        return proxy.port();
    }

    /** The PEM of the CA that issued the identity service's certificate. */
    public Path caFile() {
        return caFile;
    }

    @Override
    public void close() {
        admin.close();
        proxy.close();
        identity.close();
    }
}
