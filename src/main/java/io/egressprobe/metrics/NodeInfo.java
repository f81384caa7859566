package io.egressprobe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * {@code egress_probe_node_info{node,zone,region}}: one series per pod, that rules and dashboards join on {@code node}
 * to aggregate by zone. Zone and region are empty until (or unless) the node's labels are read.
 */
public final class NodeInfo {
    private final MeterRegistry registry;
    private final String node;
    private Gauge gauge;

    public NodeInfo(MeterRegistry registry, String node) {
        this.registry = registry;
        this.node = node;
        set("", "");
    }

    public synchronized void set(String zone, String region) {
        if (gauge != null) {
            registry.remove(gauge);
        }
        gauge = Gauge.builder(MetricNames.NODE_INFO, () -> 1).description("The node this probe runs on, with its zone and region")
                .tag("node", node).tag("zone", zone).tag("region", region).register(registry);
    }
}
