package io.egressprobe.window;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.Route;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * What the latency alert's utilization is judged on, and its value: Envoy's own {@code upstream_cx_connect_ms} where
 * the probe's sidecar dials the host and its window holds enough connects, else the probe's own window.
 *
 * <p>Why Envoy's where it can be had: its connect timeout is armed when its pool creates the upstream connection and
 * disarmed on the {@code Connected} event, and {@code upstream_cx_connect_ms} is started and completed at exactly those
 * two points (envoyproxy/envoy {@code source/common/conn_pool/conn_pool_base.cc}: {@code ActiveClient::ActiveClient}
 * starts {@code conn_connect_ms_} beside {@code connect_timer_}; {@code ConnPoolImplBase::onConnectionEvent} completes
 * it and disables the timer on {@code Connected}, which a TLS transport socket raises after its handshake). The
 * probe's time to ServerHello through the sidecar holds that connect and a round trip and the server's crypto more: at
 * 150 ms RTT and a 1 s timeout, 15 points of utilization. The probe's sidecar carries only the probe's connections, so
 * its histogram for the cluster is the probe's connects exactly. The probe's own samples stay the per-attempt upper
 * bound (every quantile, cut and recommendation of the window is theirs); only the utilization the alert compares with
 * its thresholds changes basis.
 *
 * @param samples connects behind {@code p99}: Envoy's in its window, or the probe window's samples
 * @param why     in words, why this basis (and, for the probe's window, why not Envoy's)
 */
public record ConnectLatency(Basis basis, double utilization, Optional<Duration> p99, long samples, String why) {

    /** The quantity the verdict used, as the API names it. */
    public enum Basis {
        /** The sidecar's own histogram of its upstream connects for the cluster that dials the host. */
        ENVOY_UPSTREAM_CX_CONNECT_MS,
        /** The probe's own samples (its {@code upstreamMeasure}: on the sidecar path, the time to ServerHello). */
        PROBE_WINDOW;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * @param route      the probe's own route (the one its sidecar's stats are of)
     * @param envoy      the sidecar's histogram for {@code route}'s sidecar cluster over the window, where read
     * @param minSamples the target's: Envoy's window needs as many connects as the probe's would
     * @param timeout    what the target is judged against (its tightest view's, where it names callers)
     * @param probe      the probe's window against {@code timeout}
     */
    public static ConnectLatency choose(Route route, ProbePath path, Optional<EnvoyConnectWindow.Stats> envoy,
                                        int minSamples, EffectiveTimeout timeout, WindowStats probe) {
        Optional<String> not = whyNotEnvoy(route, path, envoy, minSamples)
                .or(() -> probe.censoredCount() > 0 ? Optional.of(probe.censoredCount() + " connects were cut in the window:"
                        + " Envoy's upstream_cx_connect_ms holds only the completed ones, the probe's window holds the cuts at"
                        + " the timeout") : Optional.empty());
        if (not.isPresent()) {
            return ofWindow(probe, not.get());
        }
        EnvoyConnectWindow.Stats e = envoy.get();
        Duration p99 = e.p99().get();
        double utilization = timeout.value().isZero() ? Double.NaN : (double) p99.toNanos() / timeout.value().toNanos();
        return new ConnectLatency(Basis.ENVOY_UPSTREAM_CX_CONNECT_MS, utilization, Optional.of(p99), e.connects(),
                "the sidecar dials the host: its own upstream_cx_connect_ms for " + route.sidecarCluster().orElse("its cluster")
                        + " is the quantity its connect timeout covers (" + e.connects() + " connects in the window)");
    }

    /** The probe's own window as the basis, for the reason {@code why}. */
    public static ConnectLatency ofWindow(WindowStats probe, String why) {
        return new ConnectLatency(Basis.PROBE_WINDOW, probe.utilization(), probe.quantiles().map(WindowStats.Quantiles::p99),
                probe.count(), why);
    }

    /** Why Envoy's histogram cannot be the basis, or empty where it is. */
    static Optional<String> whyNotEnvoy(Route route, ProbePath path, Optional<EnvoyConnectWindow.Stats> envoy, int minSamples) {
        if (path != ProbePath.SIDECAR) {
            return Optional.of("no sidecar of the probe's own times the connect on the " + path.label() + " path");
        }
        if (route.fault().isPresent()) {
            return Optional.of("the route carries nothing");
        }
        Hop limit = route.limit();
        if (limit.kind() != HopKind.SIDECAR || route.hops().size() > 1) {
            return Optional.of("the " + limit.kind().label() + " dials the host: the sidecar's histogram is of its in-cluster"
                    + " leg only");
        }
        if (!limit.shares().isEmpty()) {
            return Optional.of("the sidecar splits the connects between clusters: one cluster's histogram is not the target's");
        }
        if (envoy.isEmpty()) {
            return Optional.of("the sidecar's upstream_cx_connect_ms buckets are not read (an Envoy before 1.22, or stats not"
                    + " recorded for the cluster)");
        }
        if (envoy.get().connects() < minSamples || envoy.get().p99().isEmpty()) {
            return Optional.of("the sidecar's window holds " + envoy.get().connects() + " connects, fewer than minSamples ("
                    + minSamples + ")");
        }
        return Optional.empty();
    }
}
