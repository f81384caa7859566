package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.envoy.SidecarCheck;
import org.junit.jupiter.api.io.TempDir;
import java.nio.file.Path;
import java.nio.file.Files;
import io.egressprobe.testing.RawServers;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.config.Mode;
import io.egressprobe.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The first probe's wait for the sidecar, its 2-minute grace on the injected clock: tested without waiting for it. */
class SidecarWatchTest {
    final Vertx vertx = Vertx.vertx();
    final MutableClock clock = new MutableClock(Instant.parse("2026-12-03T10:00:00Z"));

    @AfterEach
    void tearDown() throws Exception {
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    @Test
    void shouldStartProbingAnywayOnceTheGraceHasPassedOnTheClock() throws Exception {
        AtomicInteger asked = new AtomicInteger();
        int port = vertx.createHttpServer().requestHandler(r -> {
            asked.incrementAndGet();
            r.response().setStatusCode(503).end("not ready\n");
        }).listen(0, "127.0.0.1").toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS).actualPort();
        URI url = URI.create("http://127.0.0.1:" + port);
        SidecarWatch watch = new SidecarWatch(vertx, clock, new SimpleMeterRegistry(),
                new SidecarCheck(vertx, url.resolve("/healthz/ready"), url));

        Future<Void> started = watch.awaitReady(Duration.ofMinutes(2));
        await("asked twice").atMost(Duration.ofSeconds(20)).until(() -> asked.get() >= 2);
        assertThat(started.isComplete()).as("within the grace, the first probe waits").isFalse();
        assertThat(watch.ready()).isFalse();

        clock.advance(Duration.ofMinutes(2).plusSeconds(1));

        await("the next poll gives up waiting").atMost(Duration.ofSeconds(20)).until(started::isComplete);
        assertThat(started.succeeded()).isTrue();
        assertThat(watch.ready()).as("still not ready: probing starts anyway, and says so").isFalse();
        watch.stop().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /** No sidecar answers: the downward API's annotations tell ambient mode from the direct path. */
    @Test
    void shouldChooseAmbientWhereNoSidecarAnswersAndThePodsAnnotationSaysZtunnelCarriesIt(@TempDir Path dir) throws Exception {
        URI nothing = URI.create("http://127.0.0.1:" + RawServers.closedPort());
        Path annotations = dir.resolve("annotations");
        Files.writeString(annotations, "kubectl.kubernetes.io/default-container=\"egress-probe\"\n"
                + "ambient.istio.io/redirection=\"enabled\"\n");
        Path none = dir.resolve("missing");
        SidecarCheck check = new SidecarCheck(vertx, nothing.resolve("/healthz/ready"), nothing);
        try {
            assertThat(SidecarWatch.choosePath(Mode.AUTO, check, annotations).toCompletionStage().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).isEqualTo(ProbePath.AMBIENT);
            assertThat(SidecarWatch.choosePath(Mode.AUTO, check, none).toCompletionStage().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).as("no annotations file: outside a pod, or no downward API volume")
                    .isEqualTo(ProbePath.DIRECT);
            Files.writeString(annotations, "ambient.istio.io/redirection=\"disabled\"\n");
            assertThat(SidecarWatch.choosePath(Mode.AUTO, check, annotations).toCompletionStage().toCompletableFuture()
                    .get(20, TimeUnit.SECONDS)).isEqualTo(ProbePath.DIRECT);
        } finally {
            check.close();
        }
    }
}
