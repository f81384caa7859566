package io.egressprobe.cli;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.InvalidConfigException;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.daemon.Intervals;
import io.egressprobe.daemon.PathChoice;
import io.egressprobe.daemon.PathFollower;
import io.egressprobe.daemon.ProbeDaemon;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.metrics.Registries;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;
import sun.misc.Signal;

@Command(name = "run", description = "Run the probe daemon.")
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    @Option(names = "--config", defaultValue = "/etc/egress-probe/config.yaml",
            description = "The config file (default: ${DEFAULT-VALUE}). Reloaded when it changes and on POST /-/reload.")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        ProbeConfig initial;
        byte[] content;
        try {
            content = Files.readAllBytes(config);
            initial = ConfigLoader.load(config);
        } catch (IOException e) {
            spec.commandLine().getErr().println("cannot read " + config + ": " + e.getMessage());
            return Main.BAD_USAGE;
        } catch (InvalidConfigException e) {
            e.problems().forEach(p -> spec.commandLine().getErr().println(config + ": " + p));
            return Main.BAD_USAGE;
        }
        return runUntilStopped(initial, config, content);
    }

    /** The node this probe runs on: the downward API's NODE_NAME in a pod, the host name elsewhere. */
    static String nodeName() {
        String node = System.getenv("NODE_NAME");
        if (node != null && !node.isBlank()) {
            return node;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "unknown";
        }
    }

    /** How often {@code mode: auto} without a sidecar reads the pod's annotations again. */
    static final Duration PATH_RECHECK = Duration.ofSeconds(10);

    /** Runs a daemon until SIGTERM/SIGINT (or, with mode auto, until the pod changes path); also used by {@code demo}. */
    static int runUntilStopped(ProbeConfig initial, Path config, byte[] content) throws InterruptedException {
        ProbePath path = PathChoice.decide(initial);
        PrometheusMeterRegistry registry = Registries.prometheus(initial.metrics().runtime(), path);
        Vertx vertx = MeteredVertx.create(registry, initial.metrics().runtime());
        Intervals intervals = Intervals.DEFAULT;
        ProbeDaemon daemon = new ProbeDaemon(vertx, registry, Clock.systemUTC(), config, initial, intervals, nodeName(), path);
        // Handled from the start rather than left to shutdown hooks: a JVM stopped by a signal exits 143, and
        // Kubernetes stops pods with SIGTERM, also one that is still starting (waiting for its sidecar). A clean stop
        // is exit 0.
        CompletableFuture<String> stopRequested = new CompletableFuture<>();
        for (String name : new String[] {"TERM", "INT"}) {
            Signal.handle(new Signal(name), signal -> stopRequested.complete("SIG" + signal.getName() + " received"));
        }
        // mode auto without a sidecar: a pod istio-cni redirects to ambient after start restarts onto that path.
        PathFollower.follow(vertx, initial.mode(), path, PATH_RECHECK, stopRequested::complete);
        // Start waits for the sidecar up to sidecarWait and then probes anyway: giving up before that would make a pod
        // whose istiod push is slow exit and crash-loop.
        Duration startLimit = intervals.sidecarWait().plusSeconds(30);
        CompletableFuture<Integer> started = new CompletableFuture<>();
        // SIGHUP's default would end the JVM without a word, also while it starts; the daemon convention is a
        // reload, and one asked for while starting is done once started.
        Signal.handle(new Signal("HUP"), signal -> {
            if (!started.isDone()) {
                LOG.atInfo().addKeyValue("file", String.valueOf(config))
                        .log("SIGHUP received while starting: {} is read again once started", config);
            }
            started.thenRun(() -> reloadOnSignal(daemon, config));
        });
        daemon.start(content).onComplete(ar -> {
            if (ar.succeeded()) {
                started.complete(ar.result());
            } else {
                started.completeExceptionally(ar.cause());
            }
        });
        try {
            CompletableFuture.anyOf(started, stopRequested).get(startLimit.toSeconds(), TimeUnit.SECONDS);
            if (!stopRequested.isDone()) {
                started.join();
            }
        } catch (Exception e) {
            Throwable cause = e instanceof CompletionException || e instanceof ExecutionException ? e.getCause() : e;
            String why = cause instanceof TimeoutException ? "not started within " + startLimit.toSeconds() + " s"
                    : cause.getMessage() == null ? cause.toString() : cause.getMessage();
            System.err.println("egress-probe could not start: " + why);
            vertx.close();
            return 1;
        }
        String stopReason = stopRequested.join();
        LOG.atInfo().addKeyValue("reason", stopReason).log("{}: stopping", stopReason);
        if (!started.isDone()) {
            // Stopped while starting: let a start that is about to finish finish (not one waiting for its sidecar).
            try {
                started.get(5, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // stopping anyway
            }
        }
        try {
            daemon.stop().compose(v -> vertx.close()).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.atError().setCause(e).log("unclean shutdown");
            return 1;
        }
        LOG.atInfo().log("stopped");
        return Main.OK;
    }

    private static void reloadOnSignal(ProbeDaemon daemon, Path config) {
        LOG.atInfo().addKeyValue("file", String.valueOf(config)).log("SIGHUP received: reloading {}", config);
        daemon.reload().onComplete(ar -> {
            if (ar.failed()) {
                LOG.atError().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                        .log("reload on SIGHUP failed: {}", ar.cause().getMessage());
            } else if (ar.result().applied()) {
                LOG.atInfo().addKeyValue("outcome", "applied").log("reload on SIGHUP: applied");
            } else {
                LOG.atWarn().addKeyValue("outcome", "rejected").addKeyValue("problems", ar.result().problems())
                        .log("reload on SIGHUP: rejected, the last good config stays");
            }
        });
    }
}
