package io.egressprobe.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class UpstreamSampleTest {
    static PhaseTimings timings(long dns, Long connect, Long tls) {
        Map<Phase, Duration> m = new java.util.EnumMap<>(Phase.class);
        m.put(Phase.DNS, Duration.ofMillis(dns));
        if (connect != null) {
            m.put(Phase.CONNECT, Duration.ofMillis(connect));
        }
        if (tls != null) {
            m.put(Phase.TLS, Duration.ofMillis(tls));
        }
        return PhaseTimings.of(m);
    }

    static ProbeResult.Failure failure(FailureReason reason, Phase phase, PhaseTimings t, long elapsed) {
        return new ProbeResult.Failure(reason, phase, t, Duration.ofMillis(elapsed), Optional.empty(), Optional.empty(), Optional.empty(), "");
    }

    @Test
    void shouldUseTheConnectPhaseOnTheDirectPath() {
        ProbeResult ok = new ProbeResult.Success(timings(1, 12L, 40L), Duration.ofMillis(60), Optional.empty(),
                Optional.empty(),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());

        assertThat(UpstreamSample.of(ok, ProbePath.DIRECT)).contains(new UpstreamSample(Duration.ofMillis(12), false));
        assertThat(UpstreamSample.of(ok, ProbePath.SIDECAR)).as("tls phase as the fallback")
                .contains(new UpstreamSample(Duration.ofMillis(40), false));
    }

    @Test
    void shouldKeepAConnectCutByTheDeadlineAsACensoredSampleWithoutTheDnsTime() {
        ProbeResult cut = failure(FailureReason.CONNECT_TIMEOUT, Phase.CONNECT, timings(5, null, null), 15_005);

        assertThat(UpstreamSample.of(cut, ProbePath.DIRECT)).contains(new UpstreamSample(Duration.ofMillis(15_000), true));
    }

    @Test
    void shouldKeepTheCompletedConnectOfAnAttemptThatFailedLater() {
        ProbeResult reset = failure(FailureReason.RESET, Phase.TLS, timings(1, 3L, null), 50);

        assertThat(UpstreamSample.of(reset, ProbePath.DIRECT)).contains(new UpstreamSample(Duration.ofMillis(3), false));
    }

    @Test
    void shouldAddNothingForFailuresThatSayNothingAboutLatency() {
        assertThat(UpstreamSample.of(failure(FailureReason.REFUSED, Phase.CONNECT, timings(1, null, null), 2),
                ProbePath.DIRECT)).isEmpty();
        assertThat(UpstreamSample.of(failure(FailureReason.DNS, Phase.DNS, PhaseTimings.of(Map.of()), 2),
                ProbePath.DIRECT)).isEmpty();
    }
}
