package io.egressprobe.metrics;

import io.egressprobe.config.MetricsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.dns.AddressResolverOptions;
import io.vertx.micrometer.Label;
import io.vertx.micrometer.MetricsDomain;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import java.util.EnumSet;

/**
 * The one Vert.x a command runs on, with its thread pools sized for the job rather than for the node: a DaemonSet pod
 * on a 64-core node probes the same targets as on a 4-core one, and every thread costs a stack and its own malloc
 * arena. Two event loops carry a thousand TLS probes a second (bench/scale.sh); nothing blocking runs on a worker
 * per probe (names resolve asynchronously), so workers only parse configs, Envoy answers and scrapes.
 *
 * <p>With its own meters in our registry only where {@code metrics.runtime: full} asks for them, labelled with
 * bounded values only: no remote or local addresses. The net client's are left out even then: every probe is a
 * net-client connection, and our own metrics already say all there is to say about them.
 */
public final class MeteredVertx {
    /** Event loops, and the contexts targets are spread over. */
    public static final int EVENT_LOOPS = 2;
    private static final int WORKERS = 4;
    /** Vert.x's own blocking work: file reads. */
    private static final int INTERNAL_BLOCKING = 2;

    private MeteredVertx() {}

    /** A Vert.x without meters of its own, sized as the daemon's: for {@code check}. */
    public static Vertx create() {
        return Vertx.vertx(sized());
    }

    public static Vertx create(MeterRegistry registry, MetricsSettings.Runtime runtime) {
        if (runtime == MetricsSettings.Runtime.MINIMAL) {
            return create();
        }
        return Vertx.builder()
                .with(sized().setMetricsOptions(new MicrometerMetricsOptions()
                        .setEnabled(true)
                        .setJvmMetricsEnabled(false)
                        .addDisabledMetricsCategory(MetricsDomain.NET_CLIENT)
                        .setLabels(EnumSet.of(Label.HTTP_METHOD, Label.HTTP_CODE, Label.POOL_TYPE, Label.POOL_NAME))))
                .withMetrics(new MicrometerMetricsFactory(registry))
                .build();
    }

    private static VertxOptions sized() {
        return new VertxOptions().setEventLoopPoolSize(EVENT_LOOPS).setWorkerPoolSize(WORKERS)
                .setInternalBlockingPoolSize(INTERNAL_BLOCKING).setAddressResolverOptions(resolver())
                .setPreferNativeTransport(true); // epoll where it loads: TCP_INFO for every probe
    }

    /**
     * Vert.x resolves names itself, not through the JDK: a JVM told to read names from a hosts file of its own
     * ({@code -Djdk.net.hosts.file}) has its resolver read that file too, before asking DNS.
     */
    private static AddressResolverOptions resolver() {
        AddressResolverOptions options = new AddressResolverOptions();
        String hostsFile = System.getProperty("jdk.net.hosts.file");
        return hostsFile == null || hostsFile.isBlank() ? options : options.setHostsPath(hostsFile);
    }
}
