package io.egressprobe.testing;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.daemon.Intervals;
import io.egressprobe.daemon.PathChoice;
import io.egressprobe.daemon.ProbeDaemon;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.metrics.Registries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The daemon in-process, built as {@code run} builds it, on its own Vert.x; closing stops both. */
public final class RunningDaemon implements AutoCloseable {
    /** Short enough for tests: alerts evaluated every second, no reload polling to speak of. */
    public static final Intervals FAST =
            new Intervals(Duration.ofSeconds(60), Duration.ofSeconds(1), Duration.ofSeconds(30));

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final ProbeDaemon daemon;
    private final Future<Integer> started;

    private RunningDaemon(Path config, Intervals intervals, String node) throws Exception {
        ProbeConfig loaded = ConfigLoader.load(config);
        ProbePath path = PathChoice.decide(loaded);
        registry = Registries.prometheus(loaded.metrics().runtime(), path);
        vertx = MeteredVertx.create(registry, loaded.metrics().runtime());
        daemon = new ProbeDaemon(vertx, registry, Clock.systemUTC(), config, loaded, intervals, node, path);
        started = daemon.start(Files.readAllBytes(config));
    }

    /** Starts and waits until the daemon serves; returns it. */
    public static RunningDaemon start(Path config, Intervals intervals) throws Exception {
        return start(config, intervals, "node-1");
    }

    /** As the DaemonSet's pod on {@code node} runs it. */
    public static RunningDaemon start(Path config, Intervals intervals, String node) throws Exception {
        RunningDaemon d = new RunningDaemon(config, intervals, node);
        d.port();
        return d;
    }

    /** Starts without waiting (start-up may be gated on a sidecar); see {@link #started()}. */
    public static RunningDaemon begin(Path config, Intervals intervals) throws Exception {
        return new RunningDaemon(config, intervals, "node-1");
    }

    /** The registry the daemon's meters are in, as {@code run} builds it. */
    public PrometheusMeterRegistry registry() {
        return registry;
    }

    public Future<Integer> started() {
        return started;
    }

    /** The HTTP port, once started. */
    public int port() throws Exception {
        return started.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
        Stop.await(daemon.stop().compose(v -> vertx.close()), Duration.ofSeconds(20));
    }
}
