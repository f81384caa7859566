package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.measure.ProbePath;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state a restart must not lose: read back as written; a bad file is ignored, never fatal. */
class AlertStateFileTest {
    @TempDir
    Path dir;

    static Notification firing(String target, Level level) {
        Transition t = new Transition(target, AlertName.EGRESS_TARGET_FAILING, Level.OK, level,
                Instant.parse("2026-12-06T02:00:00Z"), Instant.parse("2026-12-06T02:00:00Z"), null, null);
        return new Notification(t, target + ".example.com", 443, "node-1", ProbePath.SIDECAR,
                new Advice("summary", "description", "recommendation"), URI.create("https://runbooks.test/x"),
                new AlertWindow(50, 0.5, null, 0.5, 0, 0, 0, "kernel", 60, 1.0, 1.0, "envoy_admin", null));
    }

    static Notification resolve(Notification was) {
        Transition w = was.transition();
        Transition t = new Transition(w.target(), w.alert(), w.to(), Level.OK, Instant.parse("2026-12-06T02:05:00Z"),
                w.at(), null, null);
        return new Notification(t, was.host(), was.port(), was.node(), was.path(), was.advice(), was.runbookUrl(),
                was.window());
    }

    @Test
    void shouldReadBackWhatFiredAndWhatEachNotifierHadNotDelivered() {
        AlertStateFile file = new AlertStateFile(dir.resolve("alerts.json"));
        Notification api = firing("api", Level.CRITICAL);
        Notification db = firing("db", Level.WARNING);
        file.write(new AlertStateFile.Saved(List.of(api), Map.of("webhook", List.of(db, resolve(db)))));

        AlertStateFile.Saved read = new AlertStateFile(dir.resolve("alerts.json")).read();

        assertThat(read.firing()).singleElement().satisfies(n -> {
            assertThat(n.key()).isEqualTo(api.key());
            assertThat(n.labels()).isEqualTo(api.labels());
            assertThat(n.annotations()).isEqualTo(api.annotations());
            assertThat(n.window()).isEqualTo(api.window());
            assertThat(n.transition().at()).isEqualTo(api.transition().at());
        });
        assertThat(read.undeliveredTo("webhook")).extracting(n -> n.transition().to())
                .containsExactly(Level.WARNING, Level.OK);
        assertThat(read.undeliveredTo("kubernetes")).isEmpty();
    }

    @Test
    void shouldStartWithNothingFromACorruptFileAndNeverThrow() throws Exception {
        Path path = dir.resolve("alerts.json");
        Files.writeString(path, "{\"version\":1,\"firing\":[{\"alertname\":\"NoSuchAlert\"");

        assertThat(new AlertStateFile(path).read()).isEqualTo(AlertStateFile.Saved.EMPTY);
        Files.writeString(path, "{\"version\":1,\"firing\":[{\"alertname\":\"NoSuchAlert\",\"target\":\"x\"}]}");
        assertThat(new AlertStateFile(path).read()).isEqualTo(AlertStateFile.Saved.EMPTY);
    }

    @Test
    void shouldStartWithNothingFromAFileItCannotReadOrThatIsMissing() throws Exception {
        assertThat(new AlertStateFile(dir.resolve("missing.json")).read()).isEqualTo(AlertStateFile.Saved.EMPTY);
        assertThat(new AlertStateFile(dir).read()).as("a directory where the file should be")
                .isEqualTo(AlertStateFile.Saved.EMPTY);
    }

    @Test
    void shouldLeaveTheDaemonRunningWhenTheVolumeIsNotWritable() {
        AlertStateFile file = new AlertStateFile(dir.resolve("no-such-dir").resolve("alerts.json"));

        file.write(new AlertStateFile.Saved(List.of(firing("api", Level.CRITICAL)), Map.of()));

        assertThat(Files.exists(dir.resolve("no-such-dir"))).isFalse();
    }
}
