package io.egressprobe.cli;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.Durations;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.demo.DemoSetup;
import io.egressprobe.demo.Scenario;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "demo", description = "Probe an in-process TLS identity service whose connect latency has a heavy tail, "
        + "against a 1s Envoy connect timeout. Needs no Kubernetes, Istio or network. Runs until stopped.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--port", defaultValue = "9478", description = "Port of the HTTP endpoints (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--seed", defaultValue = "1", description = "Seed of the latency scenario (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scenario", defaultValue = "degrading",
            description = "degrading (healthy, a growing tail, cuts, recovery; a 4-minute loop), healthy, syn-loss, steady-slow (default: ${DEFAULT-VALUE}).")
    String scenario;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Scenario chosen;
        try {
            chosen = Scenario.fromLabel(scenario);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage());
        }
        requireFreePort();
        Path dir = Files.createTempDirectory("egress-probe-demo");
        try {
            return runIn(dir, chosen);
        } finally {
            deleteTree(dir);
        }
    }

    /** Before the banner: a URL printed for a port another process holds would show that process, not the demo. */
    private void requireFreePort() {
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--port must be between 0 and 65535 (was " + port
                    + "); 0 picks a free one");
        }
        if (port == 0) {
            return;
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
        } catch (IOException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "cannot listen on 127.0.0.1:" + port + " ("
                    + e.getMessage() + "): another process holds it; choose a free port with --port");
        }
    }

    /** The demo's config and CA file live only as long as the demo. */
    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    private int runIn(Path dir, Scenario chosen) throws Exception {
        try (DemoSetup demo = DemoSetup.start(dir, port, chosen, 1, seed)) {
            ProbeConfig config = ConfigLoader.load(demo.configFile());
            String timeout = Durations.format(chosen.envoyConnectTimeout());
            String base = "http://127.0.0.1:" + port;
            System.err.printf("""

                    egress-probe demo (scenario %s): probing an in-process identity service four times a second through an
                    Envoy-like sidecar with a %s connect timeout. %s
                      status page:                    %s/
                      targets and window statistics:  %s/api/v1/targets
                      alerts (firing and recent):     %s/api/v1/alerts
                      Prometheus metrics:             %s/metrics
                      config (edit it, it reloads):   %s
                    Try check beside it, on the identity service directly and through the sidecar (its timeout from the
                    sidecar's admin API, as the daemon learns it):
                      java -jar target/egress-probe.jar check localhost:%d --path direct --envoy-timeout %s --ca-file %s
                      java -jar target/egress-probe.jar check localhost:%d --path sidecar --envoy-admin http://127.0.0.1:%d --ca-file %s --count 60
                    Ctrl-C stops it.

                    """, chosen.label(), timeout, chosen.story(), base, base, base, base, demo.configFile(),
                    demo.identityPort(), timeout, demo.caFile(), demo.proxyPort(), demo.adminPort(), demo.caFile());
            return RunCommand.runUntilStopped(config, demo.configFile(),
                    demo.configText().getBytes(StandardCharsets.UTF_8));
        }
    }
}
