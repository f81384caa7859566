package io.egressprobe.http;

import io.egressprobe.config.Target;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.measure.Attempt;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.route.ConfiguredTimeout;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Route;
import io.egressprobe.route.Routes;
import io.egressprobe.route.View;
import java.util.List;
import java.time.Instant;
import java.util.Optional;

/**
 * What is known of one target besides its window, at one moment: immutable, and published whole on every change, so
 * that a reader never sees half of one.
 *
 * @param route   the hops the probe's connections take, each with its timeout: what is measured, and where a cut comes from
 * @param timeout what the target is judged against: the hop that dials the host, of the tightest view where the target
 *                names its callers' namespaces, else of {@code route}
 * @param views   the route as Istio resolves it for a sidecar in each of the target's callers' namespaces
 * @param envoyAdminStatus the admin API's last answer, or empty where it is not read (the direct path)
 */
public record TargetFacts(Target target, ProbePath path, Route route, List<View> views, EffectiveTimeout timeout,
                          Optional<Attempt> lastAttempt, Optional<Attempt> lastFailure, Optional<Instant> certificateExpiry,
                          Optional<String> envoyAdminStatus, Optional<String> envoyStatsStatus,
                          Optional<ClusterStats> envoyStats) {

    /** Before any source was read: the path's own hop, at the configured timeout or its proxy's default. */
    public static TargetFacts initial(Target target, ProbePath path) {
        Route route = Routes.resolve(new Destination(target.host(), target.port(), target.sni()), Routes.implied(path, ""),
                List.of(new ConfiguredTimeout(target.settings().envoyConnectTimeout())));
        return new TargetFacts(target, path, route, List.of(), route.timeout(), Optional.empty(), Optional.empty(),
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty());
    }

    /** Same measurement, new settings; the route follows from the sources again. */
    public TargetFacts withTarget(Target next) {
        return new TargetFacts(next, path, route, views, timeout, lastAttempt, lastFailure, certificateExpiry,
                envoyAdminStatus, envoyStatsStatus, envoyStats);
    }

    public TargetFacts withRoute(Route next, List<View> nextViews) {
        return new TargetFacts(target, path, next, nextViews, View.tightest(nextViews).map(v -> v.route().timeout()).orElse(next.timeout()),
                lastAttempt, lastFailure, certificateExpiry, envoyAdminStatus, envoyStatsStatus, envoyStats);
    }

    /** The route the target is judged on: the tightest view's, where it names its callers, else the probe's own. */
    public Route judgedRoute() {
        return View.tightest(views).map(View::route).orElse(route);
    }

    /** The namespace whose view the target is judged on, where it names its callers. */
    public Optional<String> judgedView() {
        return View.tightest(views).map(View::namespace);
    }

    /** What the upstream connect is for this target, in words. */
    public String upstreamMeasure() {
        return route.originatesTls() ? path.originatedMeasure() : path.upstreamMeasure();
    }

    /** The latest attempt; a success renews the certificate's expiry, a failure is the latest failure. */
    public TargetFacts withAttempt(Attempt attempt) {
        boolean failed = attempt.result() instanceof ProbeResult.Failure;
        Optional<Instant> expiry = attempt.result() instanceof ProbeResult.Success s ? s.tls().earliestExpiry()
                : certificateExpiry;
        return new TargetFacts(target, path, route, views, timeout, Optional.of(attempt),
                failed ? Optional.of(attempt) : lastFailure, expiry, envoyAdminStatus, envoyStatsStatus,
                envoyStats);
    }

    public TargetFacts withEnvoyAdminStatus(String status) {
        return new TargetFacts(target, path, route, views, timeout, lastAttempt, lastFailure, certificateExpiry,
                Optional.of(status), envoyStatsStatus, envoyStats);
    }

    public TargetFacts withEnvoyStats(Optional<ClusterStats> stats, String status) {
        return new TargetFacts(target, path, route, views, timeout, lastAttempt, lastFailure, certificateExpiry,
                envoyAdminStatus, Optional.of(status), stats);
    }

    /** The latest failure in words, for alerts: "reason during phase: detail". */
    public Optional<String> lastError() {
        return lastFailure.map(Attempt::result).filter(ProbeResult.Failure.class::isInstance)
                .map(ProbeResult.Failure.class::cast)
                .map(f -> f.reason().label() + " during " + f.phase().label() + ": " + f.detail());
    }
}
