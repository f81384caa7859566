package io.egressprobe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;

/**
 * Whether the last read of each outside source worked (1) or not (0), so that a failing API server or
 * admin API is an alertable series and not only a log line. A source the config does not use has no
 * series at all.
 */
public final class DependencyHealth {
    public enum Dependency {
        ENVOY_ADMIN("envoy_admin"), DESTINATION_RULES("destination_rules"), MESH_CONFIG("mesh_config"),
        SERVICE_ENTRIES("service_entries"),
        /**
         * DestinationRules followed by a watch (0 where RBAC refuses it and they are listed every refresh instead, or
         * where they cannot be read at all).
         */
        DESTINATION_RULES_WATCH("destination_rules_watch"),
        /**
         * The labels of the discovered ServiceEntries' namespaces, on the ambient path: a ServiceEntry without
         * {@code istio.io/use-waypoint} of its own takes its namespace's (0 where {@code get namespaces} is refused).
         */
        NAMESPACES("namespaces"),
        /**
         * The VirtualServices bound to gateways, followed by a watch (0 where they cannot be: each egress gateway's leg
         * then keeps the target's port).
         */
        VIRTUAL_SERVICES("virtual_services");

        private final String label;

        Dependency(String label) {
            this.label = label;
        }
    }

    private final MeterRegistry registry;
    private final Map<Dependency, AtomicReference<BooleanSupplier>> states = new ConcurrentHashMap<>();

    public DependencyHealth(MeterRegistry registry) {
        this.registry = registry;
    }

    /** The outcome of the last read of a source read now and then. */
    public void set(Dependency dependency, boolean up) {
        track(dependency, up ? () -> true : () -> false);
    }

    /** For a source followed continuously (a watch): asked at every scrape. */
    public void track(Dependency dependency, BooleanSupplier up) {
        states.computeIfAbsent(dependency, d -> {
            AtomicReference<BooleanSupplier> state = new AtomicReference<>(up);
            Gauge.builder(MetricNames.DEPENDENCY_UP, state, s -> s.get().getAsBoolean() ? 1 : 0)
                    .description("Whether the last read of an outside source worked (1) or failed (0)")
                    .tag(MetricNames.DEPENDENCY, d.label).register(registry);
            return state;
        }).set(up);
    }
}
