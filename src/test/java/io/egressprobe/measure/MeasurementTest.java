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

    /** Each hop's timeout in words, as a route names it in a cut's detail. */
    static String named(HopCut c) {
        return c.hop() == 0 ? "the sidecar's" : "the egress_gateway's";
    }

    static final EffectiveTimeout HALF_SECOND = new EffectiveTimeout(Duration.ofMillis(500), TimeoutSource.DESTINATION_RULE,
            Optional.empty());

    /** Two hops whose windows of "about" overlap: the cut is the hop's whose timeout is nearest. */
    @ParameterizedTest(name = "after {0} ms -> hop {1}")
    @CsvSource({"520, 1", "990, 0", "700, 1", "300, -1"})
    void shouldAttributeACutToTheHopWhoseTimeoutItIsNearest(long millis, int hop) {
        Measurement m = Measurement.of(midHandshake(FailureReason.RESET, millis, Optional.empty()), ProbePath.SIDECAR,
                java.util.List.of(HopCut.once(0, ONE_SECOND), HopCut.once(1, HALF_SECOND)), MeasurementTest::named);

        assertThat(m.cutBy().isPresent() ? m.cutBy().getAsInt() : -1).isEqualTo(hop);
        if (hop >= 0) {
            assertThat(((ProbeResult.Failure) m.result()).detail()).contains(hop == 0 ? "the sidecar's" : "the egress_gateway's");
        }
    }

    /** Through a proxy that originates TLS, Envoy's cut is its own 503 for the request; the host's 503 is not. */
    @Test
    void shouldRecogniseEnvoysLocalReplyAsTheCutOfAnOriginatingHop() {
        ProbeResult.Failure local = new ProbeResult.Failure(FailureReason.HTTP_STATUS, Phase.REQUEST,
                PhaseTimings.of(Map.of(Phase.DNS, Duration.ofMillis(1), Phase.CONNECT, Duration.ofMillis(1))),
                Duration.ofMillis(510), Optional.of(Duration.ofMillis(505)), Optional.empty(), Optional.empty(),
                "HTTP status 503 from the proxy (upstream connect error or disconnect/reset before headers. reset reason: connection timeout)");
        ProbeResult.Failure host = new ProbeResult.Failure(FailureReason.HTTP_STATUS, Phase.REQUEST, local.timings(),
                local.elapsed(), local.timeToServerHello(), Optional.empty(), Optional.empty(), "HTTP status 503");

        Measurement cut = Measurement.of(local, ProbePath.SIDECAR, HALF_SECOND);
        Measurement status = Measurement.of(host, ProbePath.SIDECAR, HALF_SECOND);

        assertThat(((ProbeResult.Failure) cut.result()).reason()).isEqualTo(FailureReason.ENVOY_CONNECT_TIMEOUT);
        assertThat(cut.upstream()).contains(new UpstreamSample(Duration.ofMillis(508), true));
        assertThat(((ProbeResult.Failure) status.result()).reason()).isEqualTo(FailureReason.HTTP_STATUS);
        assertThat(Measurement.of(local, ProbePath.DIRECT, HALF_SECOND).cutBy()).as("no proxy on the direct path").isEmpty();
    }

    /** Istio's default on both hops (10 s each): the cut is the farther hop's, the one that dials the host. */
    @Test
    void shouldGiveATieToTheHopThatDialsTheHost() {
        EffectiveTimeout tenSeconds = EffectiveTimeout.ISTIO_DEFAULT;
        Measurement m = Measurement.of(midHandshake(FailureReason.RESET, 10_040, Optional.empty()), ProbePath.SIDECAR,
                java.util.List.of(HopCut.once(0, tenSeconds), HopCut.once(1, tenSeconds)), MeasurementTest::named);

        assertThat(m.cutBy()).hasValue(1);
    }

    static ProbeResult.Failure localReply(long requestMillis, String body) {
        return new ProbeResult.Failure(FailureReason.HTTP_STATUS, Phase.REQUEST,
                PhaseTimings.of(Map.of(Phase.DNS, Duration.ofMillis(1), Phase.CONNECT, Duration.ofMillis(1))),
                Duration.ofMillis(2 + requestMillis), Optional.empty(), Optional.empty(), Optional.empty(),
                "HTTP status 503 from the proxy (" + body + ")");
    }

    /**
     * A route that tries a failed connect three times (Istio's {@code num_retries: 2}) answers after three timeouts and
     * the back-off: still a cut of that hop, kept as a censored sample of one try; one or two tries (a retry budget
     * spent) are cuts too, and a time between tries is none.
     */
    @ParameterizedTest(name = "503 after {0} ms -> tries {1}")
    @CsvSource({"1540, 3", "1500, 3", "1030, 2", "520, 1", "760, 1", "900, -1", "2200, -1"})
    void shouldRecogniseACutThatTheRouteRetried(long millis, int tries) {
        HopCut retried = new HopCut(0, HALF_SECOND, 3, Duration.ofMillis(75));
        Measurement m = Measurement.of(localReply(millis, "upstream connect error or disconnect/reset before headers. retried and the"
                + " latest reset reason: connection timeout"), ProbePath.SIDECAR, java.util.List.of(retried),
                c -> "the sidecar's 500 ms connect timeout");

        if (tries < 0) {
            assertThat(m.cutBy()).isEmpty();
            return;
        }
        assertThat(((ProbeResult.Failure) m.result()).reason()).isEqualTo(FailureReason.ENVOY_CONNECT_TIMEOUT);
        assertThat(((ProbeResult.Failure) m.result()).detail()).contains(tries > 1 ? tries + " tries" : "connect timeout:");
        Duration perTry = Duration.ofMillis(millis).dividedBy(tries);
        assertThat(m.upstream()).contains(new UpstreamSample(perTry.compareTo(HALF_SECOND.value()) > 0 ? perTry : HALF_SECOND.value(), true));
    }

    /** The 503's body names its reset reason (Envoy's {@code Utility::resetReasonToString}): only a connect failure is a cut. */
    @ParameterizedTest(name = "{0} -> cut {1}")
    @CsvSource({
            "'reset reason: connection timeout', true",
            "'reset reason: local connection failure, transport failure reason: delayed connect error: 110', true",
            "'reset reason: connection failure', true",
            "'retried and the latest reset reason: connection timeout', true",
            "'reset reason: connection termination', false",
            "'reset reason: remote reset', false",
            "'reset reason: remote connection failure, transport failure reason: delayed connect error: 111', false"})
    void shouldBelieveTheReasonThe503Names(String reason, boolean cut) {
        Measurement m = Measurement.of(localReply(505, "upstream connect error or disconnect/reset before headers. " + reason),
                ProbePath.SIDECAR, HALF_SECOND);

        assertThat(m.cutBy().isPresent()).isEqualTo(cut);
    }
}
