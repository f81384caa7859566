package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.Thresholds;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TlsFacts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CheckReportTest {
    static final EffectiveTimeout ONE_SECOND = EffectiveTimeout.configured(Duration.ofSeconds(1));

    static ProbeResult success(long connectMillis) {
        Map<Phase, Duration> t = Map.of(Phase.DNS, Duration.ofMillis(1), Phase.CONNECT, Duration.ofMillis(connectMillis),
                Phase.TLS, Duration.ofMillis(5));
        return new ProbeResult.Success(PhaseTimings.of(t), Duration.ofMillis(connectMillis + 6), Optional.empty(),
                new TlsFacts("TLSv1.3", "TLS_AES_128_GCM_SHA256", Optional.empty()), Optional.empty());
    }

    static ProbeResult failure(FailureReason reason, Phase phase, Map<Phase, Duration> t, long elapsed) {
        return new ProbeResult.Failure(reason, phase, PhaseTimings.of(t), Duration.ofMillis(elapsed), Optional.empty(),
                Optional.empty(), "");
    }

    static CheckReport report(List<ProbeResult> results) {
        return CheckReport.of("h", 443, "h", "openssl", results, ONE_SECOND, Thresholds.DEFAULT, 2);
    }

    static List<ProbeResult> connects(long millis, int n) {
        List<ProbeResult> r = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            r.add(success(millis));
        }
        return r;
    }

    @Test
    void shouldBeOkWhenP99IsFarBelowTheTimeout() {
        CheckReport r = report(connects(20, 50));

        assertThat(r.level()).isEqualTo(CheckReport.Level.OK);
        assertThat(r.level().exitCode).isEqualTo(Main.OK);
        assertThat(r.verdict()).startsWith("OK: p99 upstream connect 20 ms is 2.0% of the 1000 ms connect timeout (config)");
        assertThat(r.phases()).containsKeys("dns", "connect", "tls", "total");
    }

    @Test
    void shouldWarnAtHalfTheTimeout() {
        List<ProbeResult> results = connects(20, 95);
        results.addAll(connects(600, 5));

        CheckReport r = report(results);

        assertThat(r.level()).isEqualTo(CheckReport.Level.WARNING);
        assertThat(r.level().exitCode).isEqualTo(Main.WARNING);
    }

    @Test
    void shouldBeCriticalWhenAnyConnectReachedTheTimeout() {
        List<ProbeResult> results = connects(20, 98);
        results.add(failure(FailureReason.CONNECT_TIMEOUT, Phase.CONNECT, Map.of(Phase.DNS, Duration.ofMillis(1)), 1201));
        results.add(success(1010));

        CheckReport r = report(results);

        assertThat(r.level()).isEqualTo(CheckReport.Level.CRITICAL);
        assertThat(r.level().exitCode).isEqualTo(Main.CRITICAL);
        assertThat(r.verdict()).startsWith("CRITICAL: 2 of 100 connects reached the 1000 ms connect timeout");
        assertThat(r.failures()).containsEntry("connect_timeout", 1);
        assertThat(r.upstream().censoredCount()).isEqualTo(1);
    }

    @Test
    void shouldSayItCouldNotProbeWhenNothingSucceeded() {
        CheckReport r = report(List.of(failure(FailureReason.REFUSED, Phase.CONNECT, Map.of(), 1),
                failure(FailureReason.REFUSED, Phase.CONNECT, Map.of(), 1)));

        assertThat(r.level().exitCode).isEqualTo(Main.COULD_NOT_PROBE);
        assertThat(r.verdict()).isEqualTo("FAILED: no attempt succeeded ({refused=2})");
    }
}
