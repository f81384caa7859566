package io.egressprobe.daemon;

import io.egressprobe.config.EnvoySettings;
import io.egressprobe.config.Mode;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.envoy.SidecarCheck;
import io.egressprobe.measure.ProbePath;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The path this pod probes on, decided once before anything is measured or exported: every series the pod exports
 * carries it, so that two pods of one node (the sidecar and the direct-path DaemonSets) never write the same series.
 * {@code mode: auto} asks the sidecar with a Vert.x of its own, closed before the daemon's is built, since the
 * registry (and with {@code metrics.runtime: full}, the daemon's Vert.x) must know the path first.
 */
public final class PathChoice {
    /** Both of SidecarCheck's questions time out after 1 s each; this bounds the whole, with room for a loaded node. */
    private static final long LIMIT_SECONDS = 10;

    private PathChoice() {}

    /** Blocks the calling thread: call it before the daemon starts, never on an event loop. */
    public static ProbePath decide(ProbeConfig config) throws InterruptedException {
        return decide(config.mode(), config.envoy());
    }

    /** As the daemon decides, with a Vert.x of its own, closed before it returns. */
    public static ProbePath decide(Mode mode, EnvoySettings envoy) throws InterruptedException {
        if (mode != Mode.AUTO) {
            return asked(mode);
        }
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        try {
            return decide(vertx, mode, envoy);
        } finally {
            try {
                vertx.close().toCompletionStage().toCompletableFuture().get(LIMIT_SECONDS, TimeUnit.SECONDS);
            } catch (ExecutionException | TimeoutException e) {
                // left to the process's exit (Main ends every command with System.exit)
            }
        }
    }

    /** As the daemon decides, asking on {@code vertx} ({@code check} asks on its own); blocks the calling thread. */
    public static ProbePath decide(Vertx vertx, Mode mode, EnvoySettings envoy) throws InterruptedException {
        if (mode != Mode.AUTO) {
            return asked(mode);
        }
        SidecarCheck check = new SidecarCheck(vertx, envoy.readyUrl(), envoy.adminUrl());
        try {
            return SidecarWatch.choosePath(Mode.AUTO, check).toCompletionStage().toCompletableFuture()
                    .get(LIMIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException | TimeoutException e) {
            // SidecarCheck answers ABSENT rather than failing; only a stalled machine ends here.
            return ProbePath.DIRECT;
        } finally {
            check.close();
        }
    }

    private static ProbePath asked(Mode mode) {
        return switch (mode) {
            case SIDECAR -> ProbePath.SIDECAR;
            case AMBIENT -> ProbePath.AMBIENT;
            default -> ProbePath.DIRECT;
        };
    }
}
