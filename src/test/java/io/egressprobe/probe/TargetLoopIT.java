package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.testing.RawServers;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A target that accepts TCP and never answers the TLS handshake, on loopback: each attempt hangs until probeTimeout.
 * The loop must still start attempts at its interval, overlapping up to its bound, and never beyond it. Counted by
 * the server's accepted connections and the results delivered, with Awaitility; nothing is timed.
 */
class TargetLoopIT {
    final List<ProbeResult> results = new CopyOnWriteArrayList<>();
    Vertx vertx;
    TargetLoop loop;
    RawServers.Server hanging;

    @AfterEach
    void tearDown() throws Exception {
        if (loop != null) {
            loop.stop().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        }
        if (hanging != null) {
            hanging.close();
        }
        if (vertx != null) {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    static Target hangingTarget(int port, Duration interval, Duration probeTimeout) {
        ProbeSettings b = ProbeSettings.BUILT_IN;
        return new Target("hanging", "127.0.0.1", port, "localhost", new TlsSettings(false, Optional.empty()), Optional.empty(),
                new ProbeSettings(interval, probeTimeout, b.window(), b.envoyConnectTimeout(), b.thresholds(), b.minSamples(),
                        b.forDuration(), b.toleratedSynLosses()), Map.of());
    }

    /** In flight now: attempts the server accepted that have not delivered their result. */
    int inFlight() {
        return hanging.accepted() - results.size();
    }

    @Test
    void shouldKeepProbingAHangingTargetAtItsIntervalWithAttemptsOverlappingUpToTheBound() throws Exception {
        vertx = MeteredVertx.create();
        hanging = RawServers.silent();
        // 200 ms apart, each hanging 10 s: ceil(10 s / 200 ms) = 50 would keep the rate; the cap is 8.
        Target target = hangingTarget(hanging.port(), Duration.ofMillis(200), Duration.ofSeconds(10));
        assertThat(TargetLoop.maxInFlight(target)).isEqualTo(TargetLoop.MAX_IN_FLIGHT_CAP).isEqualTo(8);
        loop = new TargetLoop(vertx, vertx.getOrCreateContext(), new TlsProber(vertx, TlsEngine.best()), target,
                (t, r) -> results.add(r), new Random(1), lag -> { }, () -> new TargetLoop.Shape(false, AddressFamily.V4_ONLY, target.settings().probeTimeout()));

        loop.start();

        await("8 attempts in flight at once: one at a time, the second starts only after the first has timed out")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .conditionEvaluationListener(c -> assertThat(inFlight()).as("in flight").isLessThanOrEqualTo(8))
                .until(() -> inFlight() == 8);
        await("the first attempts time out and new ones start in their place, never more than 8 at once")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50))
                .conditionEvaluationListener(c -> assertThat(inFlight()).as("in flight").isLessThanOrEqualTo(8))
                .until(() -> results.size() >= 10 && hanging.accepted() >= 18);
        assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(ProbeResult.Failure.class));
    }

    @Test
    void shouldKeepOneAttemptInFlightWhereProbeTimeoutIsShorterThanTheInterval() {
        Target target = hangingTarget(443, Duration.ofSeconds(5), Duration.ofSeconds(3));
        assertThat(TargetLoop.maxInFlight(target)).isEqualTo(1);
        assertThat(TargetLoop.maxInFlight(hangingTarget(443, Duration.ofSeconds(1), Duration.ofMillis(2500)))).isEqualTo(3);
    }
}
