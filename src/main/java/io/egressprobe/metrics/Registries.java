package io.egressprobe.metrics;

import io.egressprobe.config.MetricsSettings;
import io.egressprobe.measure.ProbePath;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;

/** The one registry of the process: ours, and the runtime's own meters as {@code metrics.runtime} asks. */
public final class Registries {
    private static final Path STATUS = Path.of("/proc/self/status");

    private Registries() {}

    /**
     * Every meter carries the pod's {@code path}: the sidecar and the direct-path DaemonSets run a pod each on a node,
     * and the node names every series, so without it both write the same series (counter resets, half the count).
     */
    public static PrometheusMeterRegistry prometheus(MetricsSettings.Runtime runtime, ProbePath path) {
        PrometheusMeterRegistry registry = new ExposedRegistry();
        registry.config().commonTags(MetricNames.PATH, path.label());
        if (runtime == MetricsSettings.Runtime.FULL) {
            full(registry);
        } else {
            minimal(registry);
        }
        return registry;
    }

    /** Micrometer's binders: about 70 series, for whoever debugs the JVM itself. */
    private static void full(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
        @SuppressWarnings("resource") // lives as long as the process
        JvmGcMetrics gc = new JvmGcMetrics();
        gc.bindTo(registry);
    }

    /**
     * What sizing a DaemonSet needs, five series under the usual names: CPU, start time, resident memory (what the
     * container's limit counts), heap used, threads.
     */
    private static void minimal(MeterRegistry registry) {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            FunctionCounter.builder("process.cpu", os, o -> o.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the process").register(registry);
        }
        Gauge.builder("process.start.time", () -> ManagementFactory.getRuntimeMXBean().getStartTime() / 1000.0)
                .baseUnit("seconds").description("Start time of the process since the epoch").register(registry);
        if (Files.isReadable(STATUS)) {
            Gauge.builder("process.resident.memory", Registries::residentBytes).baseUnit("bytes")
                    .description("Resident set size of the process").register(registry);
        }
        Gauge.builder("jvm.memory.used", () -> ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed())
                .baseUnit("bytes").tag("area", "heap").description("Heap in use").register(registry);
        Gauge.builder("jvm.threads.live", () -> ManagementFactory.getThreadMXBean().getThreadCount())
                .baseUnit("threads").description("Live threads").register(registry);
    }

    /** VmRSS of /proc/self/status, in bytes; NaN where it cannot be read. */
    static double residentBytes() {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
                }
            }
        } catch (IOException | NumberFormatException e) {
            return Double.NaN;
        }
        return Double.NaN;
    }
}
