package io.egressprobe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** {@code egress_probe_build_info}: which build runs, on which Java, with which network transport. */
public final class BuildInfo {
    private BuildInfo() {}

    /** The version from the jar's manifest; {@code dev} when run from classes. */
    public static String version() {
        String v = BuildInfo.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** The commit the jar was built from, as the build wrote it into the manifest; {@code unknown} elsewhere. */
    public static String revision() {
        try (var in = BuildInfo.class.getResourceAsStream("/META-INF/MANIFEST.MF")) {
            String r = in == null ? null : new java.util.jar.Manifest(in).getMainAttributes().getValue("Build-Revision");
            return r == null || r.isBlank() || r.startsWith("$") ? "unknown" : r;
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }

    /** @param transport Netty's transport: {@code epoll} where the native one is in use, else {@code nio} */
    public static void register(MeterRegistry registry, String transport) {
        Gauge.builder(MetricNames.BUILD_INFO, () -> 1).description("The build that runs: 1, with its facts as labels")
                .tag("version", version()).tag("revision", revision()).tag("java", System.getProperty("java.version"))
                .tag("transport", transport).register(registry);
    }
}
