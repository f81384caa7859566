package io.egressprobe.daemon;

import io.egressprobe.http.ApiServer;
import io.egressprobe.probe.EventLoops;
import io.egressprobe.probe.TlsProber;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.Optional;

/** The parts {@link ProbeDaemon#start} builds at once, once the event loops are up. */
record DaemonParts(EventLoops loops, TlsProber prober, TargetSupervisor supervisor, ConfigReloader reloader,
                   AlertLoop alerts, ApiServer api, Optional<SidecarWatch> sidecar, NotifierFactory notifiers) {

    /**
     * In reverse: no judgement (stopping targets are not removed ones: their alerts must not resolve), no reload, no
     * sidecar watch; the readers under way ({@code following}) and the targets; then the rest.
     */
    Future<Void> stop(Vertx vertx, Future<Void> following) {
        alerts.halt();
        reloader.stop();
        sidecar.ifPresent(SidecarWatch::stop);
        return Future.join(following, supervisor.stopAll()).<Void>mapEmpty()
                .compose(v -> alerts.stop())
                .compose(v -> api.close())
                .compose(v -> prober.close())
                .compose(v -> loops.undeploy(vertx));
    }
}
