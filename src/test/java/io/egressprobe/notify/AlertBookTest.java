package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.alert.AlertLevels;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.testing.Alerts;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertBookTest {
    final AlertBook book = new AlertBook();
    final Instant t0 = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldKeepAnAlertFiringWhateverNumberOfTransitionsOfOthersComeAfterIt() {
        book.enter(List.of(Alerts.notification("identity", Level.OK, Level.CRITICAL, t0, t0)), Map.of());
        for (int i = 0; i < 150; i++) {
            Instant at = t0.plusSeconds(10 + i);
            book.enter(List.of(i % 2 == 0 ? Alerts.notification("other-" + i / 2, Level.OK, Level.WARNING, at, at)
                    : Alerts.notification("other-" + i / 2, Level.WARNING, Level.OK, at, at)), Map.of());
        }

        assertThat(book.history().recent()).hasSize(AlertBook.HISTORY)
                .noneMatch(n -> n.transition().target().equals("identity"));
        assertThat(book.firing()).singleElement().satisfies(n -> {
            assertThat(n.transition().target()).isEqualTo("identity");
            assertThat(n.severity()).isEqualTo(Level.CRITICAL);
        });
    }

    @Test
    void shouldHoldTheLatestLevelOfAFiringAlertAndDropItOnItsResolve() {
        book.enter(List.of(Alerts.notification("identity", Level.OK, Level.WARNING, t0, t0)), Map.of());
        book.enter(List.of(Alerts.notification("identity", Level.WARNING, Level.CRITICAL, t0.plusSeconds(60), t0)), Map.of());
        assertThat(book.firing()).singleElement().satisfies(n -> assertThat(n.severity()).isEqualTo(Level.CRITICAL));

        book.enter(List.of(Alerts.notification("identity", Level.CRITICAL, Level.OK, t0.plusSeconds(120), t0)), Map.of());

        assertThat(book.firing()).isEmpty();
        assertThat(book.history().recent()).hasSize(3);
    }

    @Test
    void shouldReplaceTheLevelsOfEveryTargetWithEachEvaluation() {
        AlertLevels warning = new AlertLevels(Map.of(AlertName.EGRESS_TARGET_FAILING, Level.WARNING), Map.of());
        book.enter(List.of(), Map.of("identity", warning, "payments", AlertLevels.NONE));
        assertThat(book.history().levelsOf("identity").of(AlertName.EGRESS_TARGET_FAILING)).isEqualTo(1);

        book.enter(List.of(), Map.of("payments", AlertLevels.NONE));

        assertThat(book.history().levelsOf("identity")).as("a target no longer judged").isEqualTo(AlertLevels.NONE);
    }
}
