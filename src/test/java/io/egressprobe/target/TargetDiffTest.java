package io.egressprobe.target;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TargetDiffTest {
    static Target target(String name, String host, ProbeSettings settings) {
        return new Target(name, host, 443, host, TlsSettings.DEFAULT, Optional.empty(), settings, Map.of());
    }

    static final ProbeSettings BASE = ProbeSettings.BUILT_IN;
    static final ProbeSettings OTHER_THRESHOLDS = new ProbeSettings(BASE.interval(), BASE.probeTimeout(), BASE.window(),
            BASE.envoyConnectTimeout(), new Thresholds(0.4, 0.7, 0.01, 0.1), BASE.minSamples(), BASE.forDuration(),
            BASE.toleratedSynLosses());
    static final ProbeSettings OTHER_INTERVAL = new ProbeSettings(Duration.ofSeconds(1), BASE.probeTimeout(), BASE.window(),
            BASE.envoyConnectTimeout(), BASE.thresholds(), BASE.minSamples(), BASE.forDuration(), BASE.toleratedSynLosses());

    @Test
    void shouldSortEachTargetIntoWhatAReloadDoesToIt() {
        List<Target> before = List.of(target("kept", "a", BASE), target("gone", "b", BASE), target("moved", "c", BASE),
                target("retuned", "d", BASE), target("faster", "e", BASE));
        List<Target> after = List.of(target("kept", "a", BASE), target("moved", "c2", BASE),
                target("retuned", "d", OTHER_THRESHOLDS), target("faster", "e", OTHER_INTERVAL), target("new", "f", BASE));

        TargetDiff diff = TargetDiff.between(before, after);

        assertThat(diff.unchanged()).extracting(Target::name).containsExactly("kept");
        assertThat(diff.removed()).extracting(Target::name).containsExactly("gone");
        assertThat(diff.added()).extracting(Target::name).containsExactly("new");
        assertThat(diff.updated()).as("same measurement: keep the window").extracting(Target::name).containsExactly("retuned");
        assertThat(diff.replaced()).as("another host, or a window sized for another interval")
                .extracting(Target::name).containsExactly("moved", "faster");
        assertThat(TargetDiff.between(after, after).isEmpty()).isTrue();
    }
}
