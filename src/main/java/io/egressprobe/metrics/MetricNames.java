package io.egressprobe.metrics;

import java.time.Duration;

/**
 * Every metric and label name the exporter uses, in Micrometer's dotted form; the Prometheus naming
 * convention adds {@code _seconds}, {@code _total} and {@code _bucket} (DESIGN.md §2 lists the results).
 */
public final class MetricNames {
    public static final String UPSTREAM_CONNECT = "egress.probe.upstream.connect";
    public static final String PHASE = "egress.probe.phase";
    public static final String TIMEOUT_RATIO = "egress.probe.upstream.connect.timeout.ratio";
    public static final String ATTEMPTS = "egress.probe.attempts";
    public static final String FAILURES = "egress.probe.failures";
    public static final String ENVOY_CONNECT_TIMEOUT = "egress.probe.envoy.connect.timeout";
    public static final String UPSTREAM_CONNECT_QUANTILE = "egress.probe.upstream.connect.quantile";
    public static final String TIMEOUT_UTILIZATION = "egress.probe.timeout.utilization.ratio";
    public static final String TIMEOUT_EXCEEDED = "egress.probe.timeout.exceeded.ratio";
    public static final String SYN_RETRANSMIT_SUSPECTED = "egress.probe.syn.retransmit.suspected";
    public static final String RECOMMENDED_TIMEOUT = "egress.probe.recommended.connect.timeout";
    public static final String CERT_EXPIRY = "egress.probe.tls.cert.earliest.expiry.timestamp";
    public static final String ENVOY_CONNECT_TIMEOUTS = "egress.probe.envoy.upstream.connect.timeouts";
    public static final String ENVOY_CONNECT_QUANTILE = "egress.probe.envoy.upstream.connect.quantile";
    public static final String ALERT_LEVEL = "egress.probe.alert.level";
    public static final String TARGET_INFO = "egress.probe.target.info";
    public static final String CONFIG_RELOAD_SUCCESSFUL = "egress.probe.config.last.reload.successful";
    public static final String DEPENDENCY_UP = "egress.probe.dependency.up";
    public static final String SCHEDULE_LAG = "egress.probe.schedule.lag";
    public static final String CONFIG_RELOAD_SUCCESS_TIME = "egress.probe.config.last.reload.success.timestamp";

    public static final String TARGET = "target";
    public static final String PATH = "path";
    public static final String PHASE_LABEL = "phase";
    public static final String RESULT = "result";
    public static final String REASON = "reason";
    public static final String SOURCE = "source";
    public static final String QUANTILE = "quantile";
    public static final String DEPENDENCY = "dependency";

    /** Fine around the timeouts people set (0.25 … 10 s) and the first SYN retransmission (1 s). */
    static final Duration[] UPSTREAM_BUCKETS = millis(5, 10, 25, 50, 100, 250, 500, 800, 900, 1000, 1100, 2000,
            3000, 5000, 10_000, 30_000);
    static final Duration[] PHASE_BUCKETS = millis(1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000);
    /** Upstream connect ÷ timeout: comparable across targets with different timeouts. */
    static final double[] RATIO_BUCKETS = {0.1, 0.25, 0.5, 0.8, 0.9, 1.0, 1.1, 1.5, 2.0};

    private MetricNames() {}

    private static Duration[] millis(long... values) {
        Duration[] d = new Duration[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = Duration.ofMillis(values[i]);
        }
        return d;
    }
}
