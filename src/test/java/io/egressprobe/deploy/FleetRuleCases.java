package io.egressprobe.deploy;

import io.egressprobe.config.AlertingSettings;
import io.egressprobe.notify.Notification;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;
import java.util.stream.Collectors;

/**
 * promtool unit tests at fleet sizes, written out rather than kept as thousands of lines of YAML: a fleet of nodes
 * that all probe the target {@code identity}, each exporting its own alert levels as the daemon judges them, and the
 * alerts the rules must and must not raise from them.
 */
final class FleetRuleCases {
    static final String HOST = "login.example.com";
    /** The rules' runbook is the daemon's default one. */
    static final String RUNBOOK = AlertingSettings.SHIPPED_RUNBOOK.toString();

    private final StringBuilder yaml = new StringBuilder("""
            # Written by RulesTest (FleetRuleCases); not kept in the repository.
            rule_files:
              - %s
            evaluation_interval: 1m
            tests:
            """);

    FleetRuleCases(String rules) {
        yaml.replace(0, yaml.length(), yaml.toString().formatted(rules));
    }

    /**
     * One test: {@code nodes} nodes in {@code zone.apply(i)}; node i's level of {@code alertname} over time as promtool
     * values ({@code levels.apply(i)}), every other alert at 0.
     */
    FleetRuleCases fleet(int nodes, IntFunction<String> zone, String alertname, IntFunction<String> levels, List<String> expectations) {
        yaml.append("  - interval: 1m\n    input_series:\n");
        for (int i = 0; i < nodes; i++) {
            String node = node(i);
            for (String alert : List.of("EgressConnectLatencyNearTimeout", "EgressConnectTimeouts", "EgressTargetFailing")) {
                yaml.append("      - { series: 'egress_probe_alert_level{node=\"%s\",target=\"identity\",path=\"sidecar\",alertname=\"%s\"}', values: '%s' }\n"
                        .formatted(node, alert, alert.equals(alertname) ? levels.apply(i) : "0x60"));
            }
            yaml.append("      - { series: 'egress_probe_target_info{node=\"%s\",target=\"identity\",host=\"%s\",port=\"443\",sni=\"%s\",cluster=\"\",path=\"sidecar\"}', values: '1x60' }\n"
                    .formatted(node, HOST, HOST));
            yaml.append("      - { series: 'egress_probe_node_info{node=\"%s\",zone=\"%s\",region=\"\"}', values: '1x60' }\n"
                    .formatted(node, zone.apply(i)));
            // What the node alerts' descriptions quote: the window's p99, the timeout with its source, the recommendation.
            yaml.append("      - { series: 'egress_probe_upstream_connect_window_seconds{node=\"%s\",target=\"identity\",path=\"sidecar\",quantile=\"0.99\"}', values: '0.9x60' }\n"
                    .formatted(node));
            yaml.append("      - { series: 'egress_probe_envoy_connect_timeout_seconds{node=\"%s\",target=\"identity\",path=\"sidecar\",source=\"envoy_admin\"}', values: '1x60' }\n"
                    .formatted(node));
            yaml.append("      - { series: 'egress_probe_recommended_connect_timeout_seconds{node=\"%s\",target=\"identity\",path=\"sidecar\"}', values: '3x60' }\n"
                    .formatted(node));
        }
        yaml.append("    alert_rule_test:\n");
        expectations.forEach(yaml::append);
        return this;
    }

    static String node(int i) {
        return "node-" + i;
    }

    /** The node alerts {@code alertname} at {@code severity} expected at {@code minutes} on these nodes. */
    static String nodeAlerts(int minutes, String alertname, String severity, List<Integer> nodes) {
        StringBuilder b = new StringBuilder("      - eval_time: %dm\n        alertname: %s\n        exp_alerts:%s\n"
                .formatted(minutes, alertname, nodes.isEmpty() ? " []" : ""));
        for (int i : nodes) {
            b.append("          - exp_labels: { %s }\n".formatted(daemonLabels(severity, node(i))))
                    .append("            exp_annotations:\n")
                    .append("              summary: \"%s %s for identity (%s) on node %s\"\n".formatted(alertname, severity, HOST, node(i)))
                    .append("              description: \"The probe on %s judges the target (sidecar path) as its in-process alert"
                            .formatted(node(i)) + " of the same name and labels does, on Envoy's own connect p99 where its"
                            + " /api/v1/targets says timeout.judgedOn, else on its own window: its own p99 connect 900ms, connect timeout 1s (source"
                            + " envoy_admin), recommended timeout 3s. Its /api/v1/alerts has the advice.\"\n")
                    .append("              runbook_url: \"%s\"\n".formatted(RUNBOOK));
        }
        return b.toString();
    }

    /**
     * The labels the daemon's own alert has ({@link Notification#LABELS}, the list its Alertmanager notifier sends), as
     * promtool expects them: without {@code alertname}, which it checks apart. A label the daemon sends and the rule
     * does not give fails the rules test.
     */
    static String daemonLabels(String severity, String node) {
        Map<String, String> values = Map.of("severity", severity, "target", "identity", "host", HOST, "node", node,
                "path", "sidecar");
        return Notification.LABELS.stream().filter(l -> !l.equals("alertname"))
                .map(l -> l + ": " + Objects.requireNonNull(values.get(l), "no value for the label " + l))
                .collect(Collectors.joining(", "));
    }

    /** The fleet alert {@code alertname} expected at {@code minutes}: one per zone given, with the share of nodes. */
    static String fleetAlerts(int minutes, String alertname, String nodeAlert, String severity, List<String[]> zoneShares) {
        StringBuilder b = new StringBuilder("      - eval_time: %dm\n        alertname: %s\n        exp_alerts:%s\n"
                .formatted(minutes, alertname, zoneShares.isEmpty() ? " []" : ""));
        for (String[] zs : zoneShares) {
            String zone = zs[0];
            // An empty label is no label: without zones the fleet is one group.
            b.append("          - exp_labels: { severity: %s, %starget: identity }\n"
                            .formatted(severity, zone.isEmpty() ? "" : "zone: " + zone + ", "))
                    .append("            exp_annotations:\n")
                    .append("              summary: \"%s of the nodes%s judge identity %s %s\"\n".formatted(zs[1],
                            zone.isEmpty() ? "" : " in zone " + zone, nodeAlert, severity.equals("critical") ? "critical" : "warning or worse"))
                    .append("              description: \"A tenth of the nodes or more, and at least two, agree for 5m: the target or a shared part of the"
                            + " path (egress gateway, NAT, a zone) is the cause, not one node. The node alerts of the same target name"
                            + " the nodes.\"\n")
                    .append("              runbook_url: \"%s\"\n".formatted(RUNBOOK));
        }
        return b.toString();
    }

    static List<Integer> range(int from, int to) {
        List<Integer> r = new ArrayList<>();
        for (int i = from; i < to; i++) {
            r.add(i);
        }
        return r;
    }

    String yaml() {
        return yaml.toString();
    }
}
