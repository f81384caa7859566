package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.GoDuration;
import io.egressprobe.measure.TimeoutSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Over the recorded and constructed admin answers in {@code src/test/resources/envoy} (see its SOURCES.md). */
class ConfigDumpParserTest {
    static ClusterTimeouts parse(String fixture) throws IOException {
        return ConfigDumpParser.parse(Files.readString(Path.of("src/test/resources/envoy", fixture)));
    }

    /**
     * ISTIO_MUTUAL is the mesh's mTLS, not TLS originated to the host; SIMPLE is origination. The ISTIO_MUTUAL context is
     * the one Istio generates in the real 1.18 capture (its auto-mTLS {@code tlsMode-istio} match, built by the same
     * {@code buildUpstreamClusterTLSContext} as a DestinationRule's ISTIO_MUTUAL, which puts it on the cluster itself);
     * the SIMPLE one is the real 1.20 capture's {@code istiod-basic} cluster; the v2 one the real 1.3 capture's.
     */
    @Test
    void shouldTellIstioMutualFromTlsOrigination() throws IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.JsonNode istioMutual = null;
        for (var config : json.readTree(Path.of("src/test/resources/envoy-real/config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json").toFile())
                .get("configs")) {
            for (var c : config.path("dynamic_active_clusters")) {
                for (var m : c.path("cluster").path("transport_socket_matches")) {
                    if (istioMutual == null && m.path("match").path("tlsMode").asText().equals("istio")) {
                        istioMutual = m.get("transport_socket");
                    }
                }
            }
        }
        var dump = json.createObjectNode();
        var configs = dump.putArray("configs");
        configs.addObject().put("@type", "type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster")
                .putObject("cluster").put("name", "outbound|443||api.example.com").put("connect_timeout", "1s")
                .set("transport_socket", istioMutual);

        assertThat(istioMutual).as("the capture's ISTIO_MUTUAL context").isNotNull();
        assertThat(ConfigDumpParser.parse(dump).tls()).as("ISTIO_MUTUAL: not origination").isEmpty();
        assertThat(ConfigDumpParser.parse(Files.readString(Path.of(
                "src/test/resources/envoy-real/config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json"))).tls())
                .as("a DestinationRule's SIMPLE: origination").containsExactly("outbound|8188||istiod-basic.istio-system.svc.cluster.local");
        assertThat(ConfigDumpParser.parse(Files.readString(Path.of(
                "src/test/resources/envoy-real/config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json"))).tls())
                .as("Istio 1.3's v2 tls_context, ISTIO_MUTUAL from the mounted certificates on every cluster").isEmpty();
    }

    /**
     * The real Istio 1.12 egress gateway (envoy-real/SOURCES.md): 5 static and 15 dynamic clusters, every dynamic one
     * 10 s, none originating TLS (auto-mTLS by transport_socket_matches), no PassthroughCluster and no cluster for
     * www.example.com; beside the static 15090 (stats) and 15021 (health) listeners one dynamic listener, 0.0.0.0_8443, whose one chain (SNI www.example.com) tcp_proxies to that missing
     * cluster, with no default chain and no tunnel.
     */
    @Test
    void shouldReadTheRealEgressGatewaysClustersAndItsOneListener() throws IOException {
        String dump = Files.readString(Path.of(
                "src/test/resources/envoy-real/config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json"));

        ClusterTimeouts clusters = ConfigDumpParser.parse(dump);
        SidecarListeners listeners = ConfigDumpParser.parseListeners(List.of(dump));

        assertThat(clusters.timeouts()).hasSize(20).doesNotContainKeys(ClusterTimeouts.PASSTHROUGH, "outbound|443||www.example.com");
        assertThat(clusters.timeouts().entrySet()).filteredOn(e -> e.getKey().startsWith("outbound|") || e.getKey().equals("BlackHoleCluster"))
                .hasSize(15).allMatch(e -> e.getValue().equals(Optional.of(Duration.ofSeconds(10))));
        assertThat(clusters.tls()).isEmpty();
        assertThat(listeners.listeners()).extracting(SidecarListeners.Listener::port).containsExactlyInAnyOrder(15090, 15021, 8443);
        assertThat(listeners.listeners()).filteredOn(l -> l.port() == 8443).singleElement().satisfies(l -> {
            assertThat(l.name()).isEqualTo("0.0.0.0_8443");
            assertThat(l.defaultChain()).isEmpty();
            assertThat(l.chains()).singleElement().satisfies(c -> {
                assertThat(c.match().serverNames()).containsExactly("www.example.com");
                assertThat(c.tcpClusters()).containsExactly(new SidecarListeners.WeightedCluster("outbound|443||www.example.com", 1));
                assertThat(c.tunnel()).isEmpty();
            });
        });
    }

    /** The real 1.24 sidecar's SNI chain carries its DestinationRule's tunnel as Envoy's tunneling_config. */
    @Test
    void shouldReadTheTunnelOfTheReal124SniChain() throws IOException {
        SidecarListeners listeners = ConfigDumpParser.parseListeners(List.of(Files.readString(Path.of(
                "src/test/resources/envoy-real/listeners_istio1.24_sidecar_sni-tunnel-via-forward-proxy_admin-form.json"))));

        assertThat(listeners.listeners().stream().flatMap(l -> l.chains().stream()).flatMap(c -> c.tunnel().stream()))
                .containsExactly("www.google.com:443");
    }

    /** The scenario's expected effective timeouts, the same from every form of the answer. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"config_dump_sidecar_clusters.json", "config_dump_resource_dynamic_active_clusters.json",
            "config_dump_resource_mask_name_connect_timeout.json"})
    void shouldFindTheScenariosTimeoutsInEveryFormOfTheDump(String fixture) throws IOException {
        ClusterTimeouts t = parse(fixture);

        assertThat(t.forTarget("api.example.com", 443)).contains(admin("5s", "outbound|443||api.example.com"));
        assertThat(t.forTarget("payments.partner.example", 443)).contains(admin("1s", "outbound|443||payments.partner.example"));
        assertThat(t.forTarget("payments.partner.example", 8443)).contains(admin("0.250s", "outbound|8443||payments.partner.example"));
        assertThat(t.forTarget("reports.partner.example", 443)).contains(admin("5s", "outbound|443||reports.partner.example"));
        assertThat(t.forTarget("reports.partner.example", 80)).contains(admin("3s", "outbound|80||reports.partner.example"));
        assertThat(t.forTarget("legacy-rr.example.net", 443)).contains(admin("5s", "outbound|443||legacy-rr.example.net"));
        assertThat(t.forTarget("echo.probe-system.svc.cluster.local", 8080))
                .contains(admin("5s", "outbound|8080||echo.probe-system.svc.cluster.local"));
        assertThat(t.forTarget("no-service-entry.example.org", 443)).as("no ServiceEntry: PassthroughCluster")
                .contains(admin("5s", "PassthroughCluster"));
    }

    @Test
    void shouldIncludeStaticClustersFromTheFullDump() throws IOException {
        ClusterTimeouts t = parse("config_dump_sidecar_clusters.json");

        assertThat(t.timeouts()).containsEntry("xds-grpc", Optional.of(Duration.ofSeconds(1)))
                .containsEntry("agent", Optional.of(Duration.ofMillis(250)));
        assertThat(t.timeouts()).hasSize(14);
    }

    @Test
    void shouldApplyEnvoysDefaultToAClusterWithoutConnectTimeout() throws IOException {
        ClusterTimeouts t = parse("config_dump_clusters_istioctl_testdata_waypoint.json");

        assertThat(t.timeouts()).containsEntry("inbound-vip|8000|http|httpbin.default.svc.cluster.local", Optional.empty());
        assertThat(t.forTarget("anything.example.com", 443)).as("no PassthroughCluster in this dump").isEmpty();
        assertThat(new ClusterTimeouts(java.util.Map.of("outbound|443||x.example.com", Optional.empty()))
                .forTarget("x.example.com", 443)).contains(new EffectiveTimeout(Duration.ofSeconds(5),
                TimeoutSource.ENVOY_DEFAULT, Optional.of("outbound|443||x.example.com")));
    }

    @Test
    void shouldAcceptCamelCaseKeys() {
        String camel = """
                {"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.ClustersConfigDump",
                  "dynamicActiveClusters":[{"cluster":{"name":"outbound|443||a.example.com","connectTimeout":"1.5s"}}]}]}
                """;

        assertThat(ConfigDumpParser.parse(camel).forTarget("a.example.com", 443))
                .contains(admin("1.5s", "outbound|443||a.example.com"));
    }

    @Test
    void shouldReadTheV2alphaDumpOfEnvoysBefore113LikeV3() throws IOException {
        ClusterTimeouts t = ConfigDumpParser.parse(Files.readString(
                Path.of("src/test/resources/envoy-real/config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json")));

        assertThat(t.timeouts()).as("3 static and 80 dynamic clusters (SOURCES.md)").hasSize(83)
                .containsEntry("prometheus_stats", Optional.of(Duration.ofMillis(250)));
        assertThat(t.forTarget("details.default.svc.cluster.local", 9080))
                .contains(admin("10s", "outbound|9080||details.default.svc.cluster.local"));
    }

    /** A form the parser does not know must not pass for a sidecar without clusters: the next source takes over. */
    @ParameterizedTest
    @ValueSource(strings = {
            "{\"configs\": []}",
            "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v4.ClustersConfigDump\", \"dynamic_active_clusters\": [{\"cluster\": {\"name\": \"x\", \"connect_timeout\": \"1s\"}}]}]}",
            "{\"configs\": [{\"@type\": \"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\"}]}"})
    void shouldRefuseADumpWithoutASingleClusterNamingWhatItFound(String body) {
        assertThatThrownBy(() -> ConfigDumpParser.parse(body)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("no clusters in the config dump (its configs' @type: ");
    }

    @ParameterizedTest
    @ValueSource(strings = {"garbage", "{}", "[1,2]", "{\"configs\": 3}"})
    void shouldRejectWhatIsNotAConfigDump(String body) {
        assertThatThrownBy(() -> ConfigDumpParser.parse(body)).isInstanceOf(IllegalArgumentException.class);
    }

    @ParameterizedTest
    @CsvSource({"10s, 10000", "0.250s, 250", "1.5s, 1500", "0.000000001s, 0", "5s, 5000"})
    void shouldParseProtobufDurations(String text, long millis) {
        assertThat(GoDuration.parse(text).toMillis()).isEqualTo(millis);
    }

    static EffectiveTimeout admin(String duration, String cluster) {
        return new EffectiveTimeout(GoDuration.parse(duration), TimeoutSource.ENVOY_ADMIN, Optional.of(cluster));
    }
    /**
     * How each cluster picks the host's address, from its type: PassthroughCluster and resolution NONE are ORIGINAL_DST
     * (the dialed address), resolution DNS is STRICT_DNS, DNS_ROUND_ROBIN LOGICAL_DNS (raced), a service EDS.
     */
    @Test
    void shouldReadHowEachClusterPicksTheHostsAddress() throws IOException {
        ClusterTimeouts constructed = parse("config_dump_resource_dynamic_active_clusters.json");
        assertThat(constructed.picks()).containsEntry("PassthroughCluster", io.egressprobe.route.UpstreamPick.DIALED)
                .containsEntry("outbound|443||api.example.com", io.egressprobe.route.UpstreamPick.PROXY_BALANCES)
                .containsEntry("outbound|443||legacy-rr.example.net", io.egressprobe.route.UpstreamPick.PROXY_RACES)
                .containsEntry("outbound|8080||echo.probe-system.svc.cluster.local", io.egressprobe.route.UpstreamPick.PROXY_BALANCES);

        ClusterTimeouts real = ConfigDumpParser.parse(Files.readString(
                Path.of("src/test/resources/envoy-real/config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json")));
        assertThat(real.picks()).containsEntry("PassthroughCluster", io.egressprobe.route.UpstreamPick.DIALED);
        assertThat(real.picks().values()).contains(io.egressprobe.route.UpstreamPick.PROXY_BALANCES);
    }

    /**
     * Istio's ServiceEntry annotation {@code istio.io/connect-strategy: RACE_FIRST_TCP_CONNECT} makes the host's cluster
     * LOGICAL_DNS with dns_lookup_family ALL (istio/istio pilot/pkg/networking/core/cluster.go convertResolution and
     * cluster_builder.go buildCluster; its test pilot/pkg/xds/waypoint_test.go
     * TestWaypointClusterDNSConnectStrategyHappyEyeballs expects exactly these two fields): Envoy races the addresses.
     */
    @Test
    void shouldSeeARaceFirstTcpConnectClusterAsRacedOverBothFamilies() {
        ClusterTimeouts c = ConfigDumpParser.parse("""
                {"configs": [{"@type": "type.googleapis.com/envoy.admin.v3.ClustersConfigDump", "dynamic_active_clusters": [
                  {"cluster": {"@type": "type.googleapis.com/envoy.config.cluster.v3.Cluster",
                    "name": "outbound|1433||sql.example.com", "type": "LOGICAL_DNS", "connect_timeout": "10s",
                    "dns_lookup_family": "ALL"}}]}]}
                """);

        assertThat(c.picks()).containsEntry("outbound|1433||sql.example.com", io.egressprobe.route.UpstreamPick.PROXY_RACES);
        assertThat(c.families()).containsEntry("outbound|1433||sql.example.com", io.egressprobe.route.AddressFamily.ALL);
    }
}
