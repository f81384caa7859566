package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.egressprobe.kube.IstioResources;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Hop;
import io.egressprobe.route.HopKind;
import io.egressprobe.route.IstioVersion;
import io.egressprobe.route.Route;
import io.egressprobe.route.Routes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The real ztunnel 1.24.1 dump of Kiali's CI (envoy-real/SOURCES.md) against its truth: an external host is passed
 * through and dialled by ztunnel with its fixed 10 s; {@code details:9080} goes by HBONE to waypoint
 * {@code bookinfo/waypoint}. The two cases are those of ztunnel's own tests in {@code src/proxy/outbound.rs},
 * {@code build_request_unknown_dest} (passthrough) and {@code build_request_destination_svc_waypoint}.
 */
class ZtunnelConfigDumpTest {
    static final Path DUMP = Path.of("src/test/resources/envoy-real/ztunnel_config_dump_istio1.24.1_kiali-ci.json");

    static ZtunnelConfigDump dump() throws IOException {
        return ZtunnelConfigDump.parse(Files.readString(DUMP));
    }

    @Test
    void shouldReadTheServicesTheirWaypointsAndTheRelease() throws IOException {
        ZtunnelConfigDump z = dump();

        assertThat(z.services()).hasSize(39).allMatch(s -> s.hostname().endsWith(".svc.cluster.local"));
        assertThat(z.services()).filteredOn(s -> s.waypoint().isPresent()).hasSize(11)
                .allMatch(s -> s.waypoint().get().equals("bookinfo/waypoint.bookinfo.svc.cluster.local"));
        assertThat(z.istioVersion()).contains(IstioVersion.of(1, 24, 1));
        assertThat(Files.readString(DUMP)).as("no connect timeout setting in its config: CONNECTION_TIMEOUT is a constant")
                .doesNotContainIgnoringCase("connect_timeout").doesNotContainIgnoringCase("connectTimeout");
    }

    @Test
    void shouldPassAnExternalHostThroughZtunnelWithItsFixedTimeout() throws IOException {
        Route route = Routes.resolve(new Destination("api.example.com", 443), Routes.implied(ProbePath.AMBIENT, "bookinfo"),
                List.of(dump(), new IstioResources(List.of(), Optional.of(Duration.ofSeconds(3)))));

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.ZTUNNEL);
        assertThat(route.timeout().value()).isEqualTo(Duration.ofSeconds(10));
        assertThat(route.timeout().source()).isEqualTo(TimeoutSource.ZTUNNEL_DEFAULT);
        assertThat(route.notes()).anyMatch(n -> n.contains("passes the connection through"));
    }

    @Test
    void shouldSendAWaypointBoundServiceToItsWaypoint() throws IOException {
        Route route = Routes.resolve(new Destination("details.bookinfo.svc.cluster.local", 9080),
                Routes.implied(ProbePath.AMBIENT, "bookinfo"), List.of(dump(), new IstioResources(List.of(), Optional.empty())
                        .withMeshDefaults(Optional.empty(), dump().istioVersion())));
        Route noWaypoint = Routes.resolve(new Destination("cars.travel-agency.svc.cluster.local", 8000),
                Routes.implied(ProbePath.AMBIENT, "bookinfo"), List.of(dump()));

        assertThat(route.hops()).extracting(Hop::kind).containsExactly(HopKind.ZTUNNEL, HopKind.WAYPOINT);
        assertThat(route.hops().get(0).timeout().value()).as("ztunnel's connect to the waypoint").isEqualTo(Duration.ofSeconds(10));
        assertThat(route.hops().get(1).ref().namespace()).isEqualTo("bookinfo");
        assertThat(noWaypoint.hops()).extracting(Hop::kind).containsExactly(HopKind.ZTUNNEL);
    }

    @Test
    void shouldRefuseAnEnvoyDumpNamingWhatItExpected() throws IOException {
        String envoy = Files.readString(Path.of("src/test/resources/envoy-real/config_dump_istio1.9.1_envoy1.17.1_productpage.json"));

        assertThat(catchThrowable(() -> ZtunnelConfigDump.parse(envoy))).isInstanceOf(IllegalArgumentException.class)
                .hasMessage("no services[] in ztunnel's config dump");
        assertThat(catchThrowable(() -> ConfigDumpParser.parse(Files.readString(DUMP)))).as("and Envoy's parser refuses ztunnel's")
                .isInstanceOf(IllegalArgumentException.class).hasMessage("no configs[] in the config dump");
    }
}
