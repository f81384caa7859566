package io.egressprobe.alert;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.testing.MutableClock;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class AdviceTest {
    final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));

    WindowStats lostSyns() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 1000);
        for (int i = 0; i < 597; i++) {
            w.record(new UpstreamSample(Duration.ofMillis(3), false));
        }
        for (int i = 0; i < 3; i++) {
            w.record(new UpstreamSample(Duration.ofMillis(1004), false));
        }
        return WindowStatistics.compute(w.snapshot(), EffectiveTimeout.configured(Duration.ofSeconds(1)), 2);
    }

    @Test
    void shouldNameTheNumbersTheLostSynsAndTheIstioChange() {
        WindowStats s = lostSyns();
        Transition t = new Transition("identity", AlertName.EGRESS_CONNECT_TIMEOUTS, Level.OK, Level.CRITICAL,
                clock.instant(), clock.instant(), s);

        Advice a = Advice.of(t, "login.example.com", 443);

        assertThat(a.summary()).isEqualTo("3 of 600 connects to login.example.com reached the 1s connect timeout (config)");
        assertThat(a.description())
                .contains("p99 3 ms, p99.9 1004 ms, max 1004 ms over 600 connects")
                .contains("3 of 600 connects took about a SYN retransmission time (1 s or more): lost SYNs; a 1s timeout tolerates none.")
                .contains("Share a timeout would have cut: 250ms 1%, 500ms 1%, 1s 1%, 2s 0%");
        assertThat(a.recommendation())
                .startsWith("Recommended connect timeout: 5s (at least 3.012s")
                .contains("kind: DestinationRule", "  host: login.example.com", "number: 443", "connectTimeout: 5s")
                .contains("replaces the whole policy for its port");
    }

    @Test
    void shouldOfferTheMeshWideSettingWhenTheTimeoutIsTheMeshDefault() {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 100);
        w.record(new UpstreamSample(Duration.ofSeconds(6), false));
        WindowStats s = WindowStatistics.compute(w.snapshot(), EffectiveTimeout.ISTIO_DEFAULT, 2);
        Transition t = new Transition("identity", AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.OK, Level.WARNING,
                clock.instant(), clock.instant(), s);

        Advice a = Advice.of(t, "pay.example.com", 8443);

        assertThat(a.summary()).isEqualTo("p99 connect latency to pay.example.com is 60% of the 10s connect timeout (istio_default)");
        assertThat(a.recommendation()).contains("connectTimeout: 30s").contains("meshConfig.connectTimeout: 30s");
    }
}
