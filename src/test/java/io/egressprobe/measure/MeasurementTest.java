package io.egressprobe.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class MeasurementTest {
    static final EffectiveTimeout ONE_SECOND = new EffectiveTimeout(Duration.ofSeconds(1), TimeoutSource.ENVOY_ADMIN,
            Optional.of("outbound|443||login.example.com"));

    /** Reset during the handshake, {@code handshakeMillis} after a 2 ms connect that followed 1 ms of DNS. */
    static ProbeResult.Failure midHandshake(FailureReason reason, long handshakeMillis, Optional<Duration> reply) {
        return new ProbeResult.Failure(reason, Phase.TLS, PhaseTimings.of(Map.of(Phase.DNS, Duration.ofMillis(1),
                Phase.CONNECT, Duration.ofMillis(2))), Duration.ofMillis(3 + handshakeMillis), reply, Optional.empty(), Optional.empty(),
                "Connection reset");
    }

    @ParameterizedTest(name = "{0} after {1} ms -> {2}")
    @CsvSource({
            "RESET, 1003, envoy_connect_timeout",
            "CLOSED, 1003, envoy_connect_timeout",
            "RESET, 931, envoy_connect_timeout",   // 0.95 s - 20 ms is the earliest
            "RESET, 929, reset",
            "RESET, 1450, envoy_connect_timeout",  // 1.2 s + 250 ms is the latest
            "RESET, 1451, reset",
            "RESET, 40, reset",
            "TLS_HANDSHAKE, 1003, tls_handshake"})
    void shouldRecogniseEnvoysCutOnlyAtAboutTheTimeout(FailureReason reason, long millis, String expected) {
        Measurement m = Measurement.of(midHandshake(reason, millis, Optional.empty()), ProbePath.SIDECAR, ONE_SECOND);

        assertThat(((ProbeResult.Failure) m.result()).reason().label()).isEqualTo(expected);
    }

    @Test
    void shouldKeepTheCutAsACensoredSampleAtNoLessThanTheTimeout() {
        Measurement early = Measurement.of(midHandshake(FailureReason.RESET, 980, Optional.empty()), ProbePath.SIDECAR, ONE_SECOND);
        Measurement late = Measurement.of(midHandshake(FailureReason.RESET, 1010, Optional.empty()), ProbePath.SIDECAR, ONE_SECOND);

        assertThat(early.upstream()).contains(new UpstreamSample(Duration.ofSeconds(1), true));
        assertThat(late.upstream()).contains(new UpstreamSample(Duration.ofMillis(1010), true));
        assertThat(((ProbeResult.Failure) early.result()).detail()).contains("980 ms into the handshake");
    }

    @Test
    void shouldNotCallItEnvoysCutWhenTheServerHadAnsweredOrOnTheDirectPath() {
        Measurement answered = Measurement.of(midHandshake(FailureReason.RESET, 1003, Optional.of(Duration.ofMillis(900))),
                ProbePath.SIDECAR, ONE_SECOND);
        Measurement direct = Measurement.of(midHandshake(FailureReason.RESET, 1003, Optional.empty()), ProbePath.DIRECT, ONE_SECOND);

        assertThat(((ProbeResult.Failure) answered.result()).reason()).isEqualTo(FailureReason.RESET);
        assertThat(((ProbeResult.Failure) direct.result()).reason()).isEqualTo(FailureReason.RESET);
        assertThat(direct.upstream()).as("the direct path's connect").contains(new UpstreamSample(Duration.ofMillis(2), false));
    }

    @Test
    void shouldMeasureTheSidecarPathByTheTimeToTheServersFirstReply() {
        ProbeResult ok = new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, Duration.ofMillis(1),
                Phase.TLS, Duration.ofMillis(330))), Duration.ofMillis(335), Optional.of(Duration.ofMillis(310)),
                Optional.empty(),
                new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty());

        assertThat(Measurement.of(ok, ProbePath.SIDECAR, ONE_SECOND).upstream())
                .contains(new UpstreamSample(Duration.ofMillis(310), false));
    }
}
