package io.egressprobe.cli;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.demo.DemoSetup;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
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

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("egress-probe-demo");
        try (DemoSetup demo = DemoSetup.start(dir, port, seed)) {
            ProbeConfig config = ConfigLoader.load(demo.configFile());
            String base = "http://127.0.0.1:" + port;
            System.err.printf("""

                    egress-probe demo: probing an in-process identity service once a second, against a 1s Envoy connect timeout.
                      targets and window statistics:  %s/api/v1/targets
                      alerts (firing and recent):     %s/api/v1/alerts
                      Prometheus metrics:             %s/metrics
                      config (edit it, it reloads):   %s
                    Ctrl-C stops it.

                    """, base, base, base, demo.configFile());
            return RunCommand.runUntilStopped(config, demo.configFile(),
                    demo.configText().getBytes(StandardCharsets.UTF_8));
        }
    }
}
