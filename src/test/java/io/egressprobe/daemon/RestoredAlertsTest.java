package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.egressprobe.alert.Level;
import io.egressprobe.config.AlertingSettings;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.metrics.Registries;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.AlertStateFile;
import io.egressprobe.notify.LogNotifier;
import io.egressprobe.notify.Notification;
import io.egressprobe.probe.EventLoops;
import io.egressprobe.probe.TlsEngine;
import io.egressprobe.probe.TlsProber;
import io.egressprobe.testing.Alerts;
import io.egressprobe.testing.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 31: an alert the previous run fired (the state file) for a target this run never probes (removed from the
 * config while the daemon was down, or a discovered one that does not come back) is held, and resent to Alertmanager
 * from the book, for {@link AlertLoop#RESTORED_TARGET_WAIT} after the start (discovered targets arrive after the
 * configured ones), then resolved once, as removed, and gone from the state file: never held forever. The loop judges
 * on an injected clock; the targets are a real supervisor that runs none.
 */
@ExtendWith(VertxExtension.class)
class RestoredAlertsTest {
    @TempDir
    Path dir;

    @Test
    void shouldHoldARestoredAlertOfATargetThatNeverComesForTwoMinutesThenResolveItOnceAsRemoved(Vertx vertx) throws Exception {
        Instant start = Instant.parse("2026-12-06T06:00:00Z");
        MutableClock clock = new MutableClock(start);
        Instant firedAt = start.minus(Duration.ofMinutes(10));
        Notification wasFiring = Alerts.notification("gone", Level.OK, Level.WARNING, firedAt, firedAt);
        AlertStateFile file = new AlertStateFile(dir.resolve("alerts.json"));
        file.write(new AlertStateFile.Saved(List.of(wasFiring), Map.of()));
        AlertStateFile.Saved saved = file.read();
        AlertBook book = new AlertBook();
        book.restore(saved.firing());
        EventLoops loops = EventLoops.deploy(vertx, 1).toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        TargetSupervisor none = new TargetSupervisor(vertx, loops, new TlsProber(vertx, TlsEngine.best()),
                Registries.prometheus(io.egressprobe.config.MetricsSettings.DEFAULT.runtime(), ProbePath.DIRECT), clock, ProbePath.DIRECT, "", false, 1);
        AlertLoop loop = new AlertLoop(vertx, loops.forKey("alerts"), clock, none, book, List.of(new LogNotifier()), "node-1",
                () -> AlertingSettings.SHIPPED_RUNBOOK, Optional.of(file), saved);

        clock.advance(AlertLoop.RESTORED_TARGET_WAIT.minusSeconds(1));
        loop.evaluate();
        assertThat(book.firing()).as("held (and resent to Alertmanager) while its target may still be discovered")
                .extracting(n -> n.transition().target()).containsExactly("gone");
        assertThat(book.history().recent()).isEmpty();

        clock.advance(Duration.ofSeconds(1));
        loop.evaluate();
        assertThat(book.firing()).as("resolved at two minutes").isEmpty();
        assertThat(book.history().recent()).singleElement().satisfies(n -> {
            assertThat(n.transition().target()).isEqualTo("gone");
            assertThat(n.transition().to()).isEqualTo(Level.OK);
            assertThat(n.transition().at()).isEqualTo(clock.instant());
            assertThat(n.transition().since()).as("the firing it ends").isEqualTo(firedAt);
            assertThat(n.advice().summary()).contains("removed");
        });
        await("the next run does not restore it").atMost(Duration.ofSeconds(10))
                .until(() -> !Files.readString(file.path()).contains("\"gone\""));

        clock.advance(Duration.ofMinutes(5));
        loop.evaluate();
        assertThat(book.history().recent()).as("resolved once").hasSize(1);
    }
}
