package io.egressprobe.route;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A waypoint's connect timeout by Istio version. Istio's own tests assert no waypoint cluster's timeout, so the cases
 * are the source itself, read at each tag of istio/istio (pilot/pkg/networking/core/cluster_waypoint.go):
 * {@code buildConnectOriginate} has {@code ConnectTimeout: durationpb.New(2 * time.Second)} at 1.22.0, 1.22.8 and
 * 1.23.0, {@code proto.Clone(cb.req.Push.Mesh.ConnectTimeout)} at 1.23.1, 1.24.0 and 1.31.0-rc.0;
 * {@code buildWaypointInboundVIPCluster} takes no policy and calls no {@code applyConnectionPool} at 1.22.x (no
 * {@code connect_timeout}: Envoy's 5 s), and takes the rule's policy and calls {@code applyConnectionPool} from 1.23.0.
 */
class WaypointTimeoutTest {
    @ParameterizedTest(name = "{0} {1} rule={2} mesh={3} → {4} {5}")
    @CsvSource(nullValues = "-", value = {
            // version, upstream, rule, mesh, expected, source
            "1.22.0, HBONE, 1s, 3s, 2s, ISTIO_DEFAULT",
            "1.22.8, HBONE, -, 3s, 2s, ISTIO_DEFAULT",
            "1.23.0, HBONE, -, 3s, 2s, ISTIO_DEFAULT",
            "1.23.1, HBONE, 1s, 3s, 3s, MESH_CONFIG",
            "1.24.1, HBONE, -, -, 10s, ISTIO_DEFAULT",
            "1.31.0, HBONE, -, 4s, 4s, MESH_CONFIG",
            "1.22.8, DIRECT, 1s, 3s, 5s, ENVOY_DEFAULT",
            "1.23.0, DIRECT, 1s, 3s, 1s, DESTINATION_RULE",
            "1.23.0, DIRECT, -, 3s, 3s, MESH_CONFIG",
            "1.24.1, DIRECT, 750ms, -, 750ms, DESTINATION_RULE",
            "1.24.1, DIRECT, -, -, 10s, ISTIO_DEFAULT",
            // not known: the newest releases' rule
            "-, HBONE, -, 3s, 3s, MESH_CONFIG",
            "-, DIRECT, 1s, 3s, 1s, DESTINATION_RULE",
    })
    void shouldApplyTheRuleOfTheWaypointsIstioVersion(String version, WaypointTimeout.Upstream upstream, String rule,
                                                      String mesh, String expected, TimeoutSource source) {
        EffectiveTimeout t = WaypointTimeout.of(Optional.ofNullable(version).flatMap(IstioVersion::parse), upstream,
                duration(rule), duration(mesh));

        assertThat(t.value()).isEqualTo(duration(expected).orElseThrow());
        assertThat(t.source()).isEqualTo(source);
    }

    @ParameterizedTest
    @CsvSource(nullValues = "-", value = {"1.24.1, 1.24.1", "v1.23.0-rc.0, 1.23.0", "1.22, 1.22.0", "1.31.0-beta.2, 1.31.0",
            "master, -", "'', -", "-, -"})
    void shouldReadAnIstioVersion(String text, String expected) {
        assertThat(IstioVersion.parse(text).map(IstioVersion::toString)).isEqualTo(Optional.ofNullable(expected));
    }

    private static Optional<Duration> duration(String text) {
        return Optional.ofNullable(text).map(io.egressprobe.measure.GoDuration::parse);
    }
}
