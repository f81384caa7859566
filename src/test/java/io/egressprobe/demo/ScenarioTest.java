package io.egressprobe.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ScenarioTest {
    /**
     * The banner promises cuts only where the scenario's connects reach its timeout within a cycle, and a warning only
     * where they pass half of it: the syn-loss and steady-slow banners once promised cuts and a recovery that never came.
     */
    @Test
    void shouldPromiseInItsBannerOnlyWhatItsConnectsDo() {
        for (Scenario s : Scenario.values()) {
            Random random = new Random(7);
            long timeout = s.envoyConnectTimeout().toMillis();
            boolean cuts = false;
            boolean slow = false;
            for (int tenth = 0; tenth < Scenario.CYCLE_SECONDS * 10; tenth++) {
                long delay = s.delayMillis(tenth / 10.0, random);
                cuts |= delay >= timeout;
                slow |= delay >= timeout / 2;
            }

            assertThat(s.story().contains("the cuts")).as(s.label() + ": " + s.story()).isEqualTo(cuts);
            assertThat(s.story().contains("no alert fires")).as(s.label() + ": " + s.story()).isEqualTo(!slow);
        }
    }
}
