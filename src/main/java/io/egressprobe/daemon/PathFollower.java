package io.egressprobe.daemon;

import io.egressprobe.config.Mode;
import io.egressprobe.measure.ProbePath;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * With {@code mode: auto} and no sidecar, whether the pod is still on the path it was when the daemon started: istio-cni
 * annotates a pod {@code ambient.istio.io/redirection: enabled} once it redirects it, which can be after this container
 * started (every pod of a fresh ambient install, or a namespace labelled for ambient later), and the kubelet rewrites the
 * downward API's file within its sync period. The path is decided once, since every series the pod exports carries it:
 * a change is a restart of the container, which then decides again. Read every {@code every}, a small local file.
 */
public final class PathFollower {
    private PathFollower() {}

    /**
     * @param restart told once, with why, when the annotation no longer says the path the daemon started on
     * @return the timer, for cancelling; -1 where nothing needs following (a mode other than auto, or a sidecar)
     */
    public static long follow(Vertx vertx, Mode mode, ProbePath path, Duration every, Consumer<String> restart) {
        return follow(vertx, mode, path, PodAnnotations.file(), every, restart);
    }

    static long follow(Vertx vertx, Mode mode, ProbePath path, Path annotations, Duration every, Consumer<String> restart) {
        if (mode != Mode.AUTO || path == ProbePath.SIDECAR) {
            return -1;
        }
        boolean[] told = {false};
        return vertx.setPeriodic(every.toMillis(), id -> {
            boolean ambient = PodAnnotations.read(annotations).ambientRedirected();
            if (!told[0] && ambient != (path == ProbePath.AMBIENT)) {
                told[0] = true;
                vertx.cancelTimer(id);
                restart.accept(ambient
                        ? "the pod's " + PodAnnotations.AMBIENT_REDIRECTION + " annotation is now \"enabled\" (istio-cni"
                        + " redirected it after this container started): restarting, to probe through ztunnel"
                        : "the pod's " + PodAnnotations.AMBIENT_REDIRECTION + " annotation is gone (the pod left ambient"
                        + " mode): restarting, to probe directly");
            }
        });
    }
}
