package io.egressprobe.envoy;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.testing.RecordedEnvoyAdmin;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.Map;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Routes;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The client and parsers against every real capture in {@code src/test/resources/envoy-real}, served as that
 * capture's Envoy answers the daemon's queries. The truth for each is in that folder's SOURCES.md (counts) and in the
 * capture itself (names and values, read with jq).
 */
class RealEnvoyAnswersIT {
    static final Path CAPTURES = Path.of("src/test/resources/envoy-real");
    Vertx vertx;
    RecordedEnvoyAdmin admin;
    EnvoyAdminClient client;

    @BeforeEach
    void setUp() {
        vertx = Vertx.vertx();
    }

    @AfterEach
    void tearDown() throws Exception {
        if (client != null) {
            await(client.close());
        }
        if (admin != null) {
            admin.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    void serve(String configDump, String stats) throws Exception {
        admin = RecordedEnvoyAdmin.start(vertx, CAPTURES.resolve(configDump), stats == null ? null : CAPTURES.resolve(stats));
        client = new EnvoyAdminClient(vertx, URI.create("http://127.0.0.1:" + admin.port()), 32 << 20);
    }

    static <T> T await(Future<T> f) throws Exception {
        return f.toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // capture, a host and port with an outbound cluster, Passthrough present
            "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json, linkerd-web.linkerd.svc.cluster.local, 9994, true",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json, prometheus.istio-system.svc.cluster.local, 9090, true",
            "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json, kube-state-metrics.monitoring.svc.cluster.local, 9443, true",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json, prometheus.istio-system.svc.cluster.local, 9090, true",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_ingressgateway.json, prometheus.istio-system.svc.cluster.local, 9090, false",
            "config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json, istiod.istio-system.svc.cluster.local, 15012, false",
    })
    void shouldResolveEveryRealCaptureToItsTruth(String capture, String host, int port, boolean passthrough)
            throws Exception {
        serve(capture, null);

        ClusterTimeouts timeouts = await(client.clusterTimeouts(SidecarQuestion.of(List.of(new Destination(host, port),
                new Destination("not-declared.example.com", 443)))));

        String cluster = "outbound|" + port + "||" + host;
        assertThat(timeouts.timeouts().keySet()).as("only the clusters routing asks for, kept while the answer streams")
                .isSubsetOf(cluster, "outbound|443||not-declared.example.com", ClusterTimeouts.PASSTHROUGH, "BlackHoleCluster")
                .contains(cluster);
        assertThat(timeouts.forTarget(host, port)).contains(new EffectiveTimeout(Duration.ofSeconds(10),
                TimeoutSource.ENVOY_ADMIN, Optional.of(cluster)));
        assertThat(timeouts.forTarget("not-declared.example.com", 443)).isEqualTo(passthrough
                ? Optional.of(new EffectiveTimeout(Duration.ofSeconds(10), TimeoutSource.ENVOY_ADMIN,
                        Optional.of(ClusterTimeouts.PASSTHROUGH)))
                : Optional.empty());
        assertThat(admin.configDumpRequests()).as("one request: the filtered one, or the whole dump it was answered with")
                .isEqualTo(1);
    }

    /** The listeners and route configs as the admin API answers them, the whole dump's once for Envoy before 1.13. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json, linkerd-web.linkerd.svc.cluster.local, 9994, 2",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json, prometheus.istio-system.svc.cluster.local, 9090, 3",
            "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json, kube-state-metrics.monitoring.svc.cluster.local, 9443, 3",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json, prometheus.istio-system.svc.cluster.local, 9090, 3",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_ingressgateway.json, prometheus.istio-system.svc.cluster.local, 9090, 2",
            // a gateway's one tcp_proxy chain names no route config
            "config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json, istiod.istio-system.svc.cluster.local, 15012, 2",
    })
    void shouldReadEveryCapturesListenersAndResolveItsHostsAsTheClustersAloneDo(String capture, String host, int port,
                                                                                int requests) throws Exception {
        serve(capture, null);

        SidecarConfig config = await(client.sidecarConfig("default", SidecarQuestion.of(List.of(new Destination(host, port),
                new Destination("not-declared.example.com", 443)))));

        assertThat(config.listenersStatus()).isEmpty();

        for (String[] target : new String[][] {{host, Integer.toString(port)}, {"not-declared.example.com", "443"}}) {
            Destination d = new Destination(target[0], Integer.parseInt(target[1]));
            assertThat(Routes.resolve(d, Routes.implied(ProbePath.SIDECAR, "default"), List.of(config)).timeout())
                    .as(d.toString()).isEqualTo(config.clusters().forTarget(d.host(), d.port()).orElse(EffectiveTimeout.ISTIO_DEFAULT));
        }
        assertThat(admin.configDumpRequests()).as("listeners, route configs where an HTTP chain names one, clusters; before 1.13"
                + " the whole dump twice: listeners with route configs, then clusters")
                .isEqualTo(requests);
    }

    /**
     * Pruning never changes a decision: for a sample of every capture's own hosts (each outbound cluster's host and port)
     * and a host it does not declare, the route from the pruned answers, asked for that one destination, is the route the
     * whole dump gives; and every answer of an Envoy that honours {@code name_regex} is far smaller than the dump.
     */
    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json",
            "config_dump_istio1.9.1_envoy1.17.1_productpage.json",
            "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json",
            "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_ingressgateway.json",
            "config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json",
    })
    void shouldRouteEveryDestinationAsTheWholeDumpDoes(String capture) throws Exception {
        serve(capture, null);
        String whole = java.nio.file.Files.readString(CAPTURES.resolve(capture));
        SidecarConfig unpruned = new SidecarConfig(ConfigDumpParser.parse(whole),
                Optional.of(ConfigDumpParser.parseListeners(List.of(whole))), "default", Optional.empty());
        List<Destination> declared = unpruned.clusters().timeouts().keySet().stream().sorted()
                .flatMap(c -> io.egressprobe.route.ClusterName.host(c).flatMap(h -> io.egressprobe.route.ClusterName.port(c)
                        .map(p -> new Destination(h, p))).stream()).distinct().toList();
        List<Destination> sample = new java.util.ArrayList<>();
        for (int i = 0; i < declared.size(); i += Math.max(1, declared.size() / 10)) {
            sample.add(declared.get(i));
        }
        sample.add(new Destination("not-declared.example.com", 443));
        sample.add(new Destination("www.example.com", 8443)); // the egress gateway's one chain (its cluster missing)
        sample.add(new Destination("login.example.com", 8443)); // no chain of its listener

        for (Destination d : sample) {
            long before = admin.bytesSent();
            SidecarConfig pruned = await(client.sidecarConfig("default", SidecarQuestion.of(List.of(d))));
            long sent = admin.bytesSent() - before;

            assertThat(Routes.resolve(d, Routes.implied(ProbePath.SIDECAR, "default"), List.of(pruned)))
                    .as(d + " from the pruned answers (listeners: " + pruned.listenersStatus().orElse("ok") + ")").isEqualTo(Routes.resolve(d, Routes.implied(ProbePath.SIDECAR, "default"),
                            List.of(unpruned)));
            if (capture.contains("_envoy1.2")) {
                assertThat(sent).as(d + ": bytes sent for listeners, route configs and clusters by name")
                        .isLessThan(whole.length() / 4);
            }
        }
        assertThat(admin.queries()).filteredOn(q -> q.startsWith("/config_dump?resource=dynamic_listeners"))
                .allMatch(q -> q.contains("name_regex="));
    }

    /**
     * The real Istio 1.12 egress gateway under REGISTRY_ONLY, asked as the daemon asks (listeners, then the clusters they
     * name, by name): the cluster its chain names is absent from the answer as from the dump, so the route is the fault
     * SOURCES.md gives (tcp_proxy: no cluster, NC), not the 10 s of Istio's default.
     */
    @Test
    void shouldCallTheRealEgressGatewaysMissingClusterAFault() throws Exception {
        serve("config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json", null);
        Destination served = new Destination("www.example.com", 8443);
        Destination otherName = new Destination("login.example.com", 8443);

        SidecarConfig config = await(client.sidecarConfig("istio-system", SidecarQuestion.of(List.of(served, otherName))));

        assertThat(config.clusters().timeouts()).as("asked for by name, and absent").doesNotContainKey("outbound|443||www.example.com");
        assertThat(Routes.resolve(served, Routes.implied(ProbePath.SIDECAR, "istio-system"), List.of(config)).fault())
                .contains(io.egressprobe.route.RouteFault.NO_CLUSTER);
        assertThat(Routes.resolve(otherName, Routes.implied(ProbePath.SIDECAR, "istio-system"), List.of(config)).fault())
                .contains(io.egressprobe.route.RouteFault.NO_FILTER_CHAIN);
    }

    /**
     * A thousand targets' cluster names make a regex too long for a request line (Envoy's admin listener takes 60 KiB of
     * headers): the clusters and stats are then asked for unfiltered, and pruned here to the same answer.
     */
    @Test
    void shouldAskWithoutNameRegexWhereTheNamesAreTooManyAndPruneAllTheSame() throws Exception {
        serve("config_dump_istio1.9.1_envoy1.17.1_productpage.json", "stats_istio1.17.8_webapp_grep-catalog.txt");
        List<Destination> many = new java.util.ArrayList<>(List.of(new Destination("prometheus.istio-system.svc.cluster.local", 9090)));
        for (int i = 0; i < 1000; i++) {
            many.add(new Destination("target-" + i + ".partner.example.com", 443));
        }

        ClusterTimeouts timeouts = await(client.clusterTimeouts(SidecarQuestion.of(many)));
        Map<String, ClusterStats> stats = await(client.clusterStats(java.util.stream.IntStream.range(0, 1000)
                .mapToObj(i -> "outbound|443||target-" + i + ".partner.example.com")
                .collect(java.util.stream.Collectors.toCollection(() -> new java.util.TreeSet<>(
                        Set.of("outbound|80||catalog.istioinaction.svc.cluster.local"))))));

        assertThat(admin.queries()).allMatch(q -> !q.contains("name_regex=") && !q.contains("target-999"));
        assertThat(timeouts.timeouts()).containsOnlyKeys("outbound|9090||prometheus.istio-system.svc.cluster.local",
                ClusterTimeouts.PASSTHROUGH, "BlackHoleCluster");
        assertThat(stats).containsOnlyKeys("outbound|80||catalog.istioinaction.svc.cluster.local");
    }

    @Test
    void shouldPruneTheWholeDumpOfTheIstio13SidecarWhichIgnoresTheFilter() throws Exception {
        serve("config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json", null);

        ClusterTimeouts timeouts = await(client.clusterTimeouts(SidecarQuestion.of(List.of(
                new Destination("linkerd-web.linkerd.svc.cluster.local", 9994)))));

        assertThat(timeouts.timeouts()).as("the whole dump, pruned to the clusters asked for")
                .containsOnlyKeys("outbound|9994||linkerd-web.linkerd.svc.cluster.local", ClusterTimeouts.PASSTHROUGH,
                        "BlackHoleCluster");
    }

    @Test
    void shouldReadEnvoysOwnConnectStatsFromTheIstio117Capture() throws Exception {
        serve("config_dump_istio1.9.1_envoy1.17.1_productpage.json", "stats_istio1.17.8_webapp_grep-catalog.txt");

        Map<String, ClusterStats> stats = await(client.clusterStats(Set.of("outbound|80||catalog.istioinaction.svc.cluster.local",
                ClusterTimeouts.PASSTHROUGH)));

        assertThat(stats).containsOnlyKeys("outbound|80||catalog.istioinaction.svc.cluster.local");
        ClusterStats catalog = stats.get("outbound|80||catalog.istioinaction.svc.cluster.local");
        assertThat(catalog.connectTimeouts()).hasValue(0);
        assertThat(catalog.connectFailures()).hasValue(0);
        assertThat(catalog.connections()).hasValue(1);
        assertThat(catalog.connectQuantiles()).isEqualTo(Map.of(0.5, Duration.ofNanos(11_500_000),
                0.9, Duration.ofNanos(11_900_000), 0.99, Duration.ofNanos(11_990_000), 0.999, Duration.ofNanos(11_999_000)));
        // The capture holds the quantile summary only, as an Envoy that ignores histogram_buckets answers: no buckets,
        // the quantiles read as before, and one request for it, not a second read.
        assertThat(catalog.connectBuckets()).isEmpty();
        assertThat(admin.queries().stream().filter(q -> q.startsWith("/stats?")).toList()).singleElement()
                .satisfies(q -> assertThat(q).contains("histogram_buckets=cumulative"));
    }

    @Test
    void shouldFindNoOutboundStatsWhereTheSidecarRecordsTheDefaultsOnly() throws Exception {
        serve("config_dump_istio1.9.1_envoy1.17.1_productpage.json",
                "stats_istio1.7.1_productpage_default-config_cluster-lines.txt");

        Map<String, ClusterStats> stats = await(client.clusterStats(Set.of("xds-grpc",
                "outbound|9080||details.default.svc.cluster.local")));

        assertThat(stats.keySet()).as("a default sidecar records cluster stats for xds-grpc only").containsExactly("xds-grpc");
        assertThat(stats.get("xds-grpc").connections()).hasValue(285);
    }

    @Test
    void shouldEveryCaptureInTheFolderBeCoveredAbove() throws Exception {
        assertThat(RecordedEnvoyAdmin.captures(CAPTURES, "config_dump_")).extracting(p -> p.getFileName().toString())
                .containsExactlyInAnyOrder(
                        "config_dump_istio1.3.0-rc.2_envoy1.12.0-dev_productpage.json",
                        "config_dump_istio1.9.1_envoy1.17.1_productpage.json",
                        "config_dump_istio1.18.2_envoy1.26.4_hotelres-geo.json",
                        "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json",
                        "config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_ingressgateway.json",
                        "config_dump_istio1.12.1_envoy1.20.1_egressgateway_registry-only_missing-cluster.json");
        assertThat(RecordedEnvoyAdmin.captures(CAPTURES, "ztunnel_")).as("ztunnel's dump: ZtunnelConfigDumpTest").hasSize(1);
        assertThat(RecordedEnvoyAdmin.captures(CAPTURES, "stats_")).hasSize(2);
    }

    @Test
    void shouldAnswerAsEnvoyDoesToAnUnknownResourceAndABadMask() throws Exception {
        serve("config_dump_istio1.20.8-ossm2.6.7_envoy1.28.8_hello-openshift.json", null);
        var http = vertx.createHttpClient();
        List<String> answers = new java.util.ArrayList<>();
        for (String query : List.of("resource=no_such_resource", "resource=dynamic_active_clusters&mask=cluster.Name",
                "resource=dynamic_active_clusters&mask=cluster.name")) {
            answers.add(query + " " + await(http.request(io.vertx.core.http.HttpMethod.GET, admin.port(), "127.0.0.1",
                    "/config_dump?" + query).compose(r -> r.send()).map(r -> r.statusCode())));
        }
        assertThat(answers).containsExactly("resource=no_such_resource 404",
                "resource=dynamic_active_clusters&mask=cluster.Name 400",
                "resource=dynamic_active_clusters&mask=cluster.name 200");
        await(http.close());
    }

    /** The admin API closes a kept-alive connection just as the next request goes out on it: asked again, answered. */
    @Test
    void shouldAskOnceMoreWhenTheKeptAliveConnectionWasDropped() throws Exception {
        String dump = "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump.DynamicCluster\","
                + "\"cluster\":{\"name\":\"outbound|443||a.example.com\",\"connect_timeout\":\"1s\"}}]}";
        java.util.concurrent.atomic.AtomicInteger connections = new java.util.concurrent.atomic.AtomicInteger();
        var server = vertx.createNetServer().connectHandler(socket -> {
            connections.incrementAndGet();
            int[] requests = {0};
            io.vertx.core.parsetools.RecordParser.newDelimited("\r\n\r\n", socket).handler(head -> {
                if (++requests[0] == 1) {
                    socket.write("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " + dump.length()
                            + "\r\n\r\n" + dump);
                } else {
                    socket.close(); // the second request on this connection: dropped unanswered
                }
            });
        });
        await(server.listen(0, "127.0.0.1"));
        client = new EnvoyAdminClient(vertx, URI.create("http://127.0.0.1:" + server.actualPort()), 1 << 20);

        for (int refresh = 1; refresh <= 3; refresh++) {
            assertThat(await(client.clusterTimeouts(SidecarQuestion.of(List.of(new Destination("a.example.com", 443)))))
                    .timeouts()).as("refresh " + refresh)
                    .containsEntry("outbound|443||a.example.com", Optional.of(Duration.ofSeconds(1)));
        }
        // 1: the first refresh's, dropped under the second; 2: the second's retry, on a connection of its own (the pool
        // may not have seen the drop yet); 3: the third's, new to the pool.
        assertThat(connections.get()).as("one more connection for the dropped one's retry").isEqualTo(3);
        await(server.close());
    }
}
