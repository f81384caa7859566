package io.egressprobe.testing;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Assumptions;

/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, clustering off, with a
 * receiver that delivers nowhere: what the tests read is its own API.
 */
public final class AlertmanagerProcess implements AutoCloseable {
    public static final Path BINARY = Path.of("/usr/bin/prometheus-alertmanager");
    private final Process process;
    private final int port;

    private AlertmanagerProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    public static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY),
                "SKIPPED: " + BINARY + " is missing (apt-get install prometheus-alertmanager; .ci/run installs it)");
    }

    public static AlertmanagerProcess start(Path dir, int port) throws IOException {
        assumeInstalled();
        Path config = dir.resolve("alertmanager.yml");
        Files.writeString(config, """
                route: { receiver: nowhere, group_wait: 1s, group_interval: 1s, repeat_interval: 1h }
                receivers: [ { name: nowhere } ]
                """);
        Path storage = Files.createDirectories(dir.resolve("am-data-" + port));
        Process p = new ProcessBuilder(BINARY.toString(), "--config.file=" + config, "--storage.path=" + storage,
                "--web.listen-address=127.0.0.1:" + port, "--cluster.listen-address=")
                .redirectErrorStream(true).redirectOutput(dir.resolve("alertmanager-" + port + ".log").toFile()).start();
        AlertmanagerProcess am = new AlertmanagerProcess(p, port);
        Awaitility.await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> !p.isAlive() || Http.get(port, "/-/ready").statusCode() == 200);
        if (!p.isAlive()) {
            throw new IOException("alertmanager exited: " + Files.readString(dir.resolve("alertmanager-" + port + ".log")));
        }
        return am;
    }

    public int port() {
        return port;
    }

    public HttpResponse<String> alerts() throws IOException, InterruptedException {
        return Http.get(port, "/api/v2/alerts");
    }

    @Override
    public void close() {
        Stop.process(process);
    }
}
