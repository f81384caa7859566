package io.egressprobe.daemon;

import io.egressprobe.config.Mode;
import io.egressprobe.envoy.SidecarCheck;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.MetricNames;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows the sidecar's readiness: the first probe waits for it (no false failures while Envoy starts),
 * and later changes are logged once each and exported as {@code egress_probe_sidecar_ready}.
 */
final class SidecarWatch {
    private static final Logger LOG = LoggerFactory.getLogger(SidecarWatch.class);
    static final Duration POLL_WHILE_STARTING = Duration.ofSeconds(1);
    static final Duration RECHECK = Duration.ofSeconds(10);

    private final Vertx vertx;
    private final Clock clock;
    private final SidecarCheck check;
    private volatile boolean ready;
    private long timerId = -1;

    SidecarWatch(Vertx vertx, Clock clock, MeterRegistry registry, SidecarCheck check) {
        this.vertx = vertx;
        this.clock = clock;
        this.check = check;
        Gauge.builder(MetricNames.SIDECAR_READY, this, w -> w.ready ? 1 : 0)
                .description("Whether the probe's own sidecar reports ready (1) or not (0)").register(registry);
    }

    boolean ready() {
        return ready;
    }

    /**
     * Completes when the sidecar is ready, or after {@code maxWait} by the injected clock (then probing starts anyway,
     * logged); the sidecar is asked every second meanwhile.
     */
    Future<Void> awaitReady(Duration maxWait) {
        Promise<Void> done = Promise.promise();
        Instant deadline = clock.instant().plus(maxWait);
        poll(done, deadline, true);
        return done.future().onComplete(v -> timerId = vertx.setPeriodic(RECHECK.toMillis(), id -> recheck()));
    }

    private void poll(Promise<Void> done, Instant deadline, boolean first) {
        check.check().onComplete(ar -> {
            ready = ar.succeeded() && ar.result() == SidecarCheck.State.READY;
            if (ready) {
                LOG.atInfo().log("sidecar ready; probing starts");
                done.tryComplete();
            } else if (clock.instant().isAfter(deadline)) {
                LOG.atWarn().log("sidecar still not ready; probing starts anyway, failures may follow until it is");
                done.tryComplete();
            } else {
                if (first) {
                    LOG.atInfo().log("waiting for the sidecar to be ready before the first probe");
                }
                vertx.setTimer(POLL_WHILE_STARTING.toMillis(), id -> poll(done, deadline, false));
            }
        });
    }

    private void recheck() {
        check.check().onComplete(ar -> {
            boolean now = ar.succeeded() && ar.result() == SidecarCheck.State.READY;
            if (now != ready) {
                LOG.atWarn().addKeyValue("ready", now).log(now ? "sidecar ready again" : "sidecar no longer ready");
            }
            ready = now;
        });
    }

    Future<Void> stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        return check.close();
    }

    /**
     * The path {@code mode} asks for; {@code auto}: the sidecar path when a sidecar answers at all, ready or not, else
     * ambient when the pod's annotations (the downward API's file) say ztunnel redirects its traffic, else direct.
     */
    static Future<ProbePath> choosePath(Mode mode, SidecarCheck check) {
        return choosePath(mode, check, PodAnnotations.file());
    }

    static Future<ProbePath> choosePath(Mode mode, SidecarCheck check, Path annotations) {
        return switch (mode) {
            case DIRECT -> Future.succeededFuture(ProbePath.DIRECT);
            case SIDECAR -> Future.succeededFuture(ProbePath.SIDECAR);
            case AMBIENT -> Future.succeededFuture(ProbePath.AMBIENT);
            case AUTO -> check.check().map(state -> {
                ProbePath path = state != SidecarCheck.State.ABSENT ? ProbePath.SIDECAR
                        : PodAnnotations.read(annotations).ambientRedirected() ? ProbePath.AMBIENT : ProbePath.DIRECT;
                LOG.atInfo().addKeyValue("path", path.label()).log("mode auto: {}", switch (path) {
                    case SIDECAR -> "a sidecar answers, probing through it";
                    case AMBIENT -> "no sidecar, and the pod's " + PodAnnotations.AMBIENT_REDIRECTION
                            + " annotation says ztunnel carries its traffic: probing through ztunnel (ambient)";
                    case DIRECT -> "no sidecar answers and the pod is not in ambient mode, probing directly";
                });
                return path;
            });
        };
    }
}
