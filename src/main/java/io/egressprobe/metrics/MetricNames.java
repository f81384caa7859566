package io.egressprobe.metrics;

import java.util.List;

/**
 * Every metric and label name the exporter uses, in Micrometer's dotted form; the Prometheus naming
 * convention adds {@code _seconds}, {@code _total} and {@code _bucket} (the README's "Metrics" lists the results).
 */
public final class MetricNames {
    public static final String UPSTREAM_CONNECT = "egress.probe.upstream.connect";
    public static final String PHASE = "egress.probe.phase";
    public static final String UPSTREAM_CONNECT_SLOW = "egress.probe.upstream.connect.slow";
    public static final String UPSTREAM_CONNECT_WINDOW = "egress.probe.upstream.connect.window";
    public static final String ATTEMPTS = "egress.probe.attempts";
    public static final String FAILURES = "egress.probe.failures";
    public static final String ENVOY_CONNECT_TIMEOUT = "egress.probe.envoy.connect.timeout";
    public static final String HOP_CONNECT_TIMEOUT = "egress.probe.hop.connect.timeout";
    public static final String ADDRESS_FAILURE_RATIO = "egress.probe.address.failure.ratio";
    public static final String ADDRESS_UPSTREAM_P99 = "egress.probe.address.upstream.connect.p99";
    public static final String TIMEOUT_UTILIZATION = "egress.probe.timeout.utilization.ratio";
    public static final String TIMEOUT_EXCEEDED = "egress.probe.timeout.exceeded.ratio";
    public static final String SYN_RETRANSMIT_SUSPECTED = "egress.probe.syn.retransmit.suspected";
    public static final String SYN_RETRANSMITS = "egress.probe.syn.retransmits";
    public static final String RECOMMENDED_TIMEOUT = "egress.probe.recommended.connect.timeout";
    public static final String CERT_EXPIRY = "egress.probe.tls.cert.earliest.expiry.timestamp";
    public static final String ENVOY_CONNECT_TIMEOUTS = "egress.probe.envoy.upstream.connect.timeouts";
    public static final String ENVOY_CONNECT = "egress.probe.envoy.upstream.connect";
    public static final String ALERT_LEVEL = "egress.probe.alert.level";
    public static final String TARGET_INFO = "egress.probe.target.info";
    public static final String CONFIG_RELOAD_SUCCESSFUL = "egress.probe.config.last.reload.successful";
    public static final String DEPENDENCY_UP = "egress.probe.dependency.up";
    public static final String OWN_PAUSE_SAMPLES = "egress.probe.own.pause.samples";
    public static final String DAEMON_OVERLOADED = "egress.probe.daemon.overloaded";
    public static final String ENVOY_ADMIN_ANSWER_BYTES = "egress.probe.envoy.admin.answer";
    public static final String ENVOY_ADMIN_ANSWER_LIMIT = "egress.probe.envoy.admin.answer.limit";
    public static final String SCHEDULE_LAG = "egress.probe.schedule.lag";
    public static final String CONFIG_RELOAD_SUCCESS_TIME = "egress.probe.config.last.reload.success.timestamp";
    public static final String BUILD_INFO = "egress.probe.build.info";
    public static final String NODE_INFO = "egress.probe.node.info";
    public static final String SIDECAR_READY = "egress.probe.sidecar.ready";
    public static final String NOTIFICATIONS_SENT = "egress.probe.notifications.sent";
    public static final String NOTIFICATIONS_FAILED = "egress.probe.notifications.failed";
    public static final String NOTIFICATIONS_DROPPED = "egress.probe.notifications.dropped";

    public static final String TARGET = "target";
    public static final String PATH = "path";
    public static final String PHASE_LABEL = "phase";
    public static final String RESULT = "result";
    public static final String REASON = "reason";
    public static final String SOURCE = "source";
    public static final String HOP = "hop";
    public static final String ADDRESS = "address";
    public static final String DEPENDENCY = "dependency";
    public static final String RESOURCE = "resource";
    public static final String NOTIFIER = "notifier";
    public static final String FRACTION = "fraction";
    public static final String ALERTNAME = "alertname";

    /**
     * In seconds: fine around the timeouts people set (0.25 … 10 s) and the first SYN retransmission (1 s), coarse
     * below, where no timeout is set. Twelve bounds: the histogram is 15 of a target's series on every node.
     */
    static final double[] UPSTREAM_BUCKETS = {0.05, 0.1, 0.25, 0.5, 0.8, 0.9, 1, 1.1, 2, 3, 5, 10};
    /**
     * The upstream connect's native histogram: schema 5, buckets growing by 2^(1/32) (≈ 2.2%), at most 160 of them
     * (client_java halves the resolution rather than grow beyond), connects below 10 µs counted as zero.
     */
    static final int NATIVE_SCHEMA = 5;
    static final int NATIVE_MAX_BUCKETS = 160;
    static final double NATIVE_ZERO_THRESHOLD = 1e-5;
    static final double[] PHASE_BUCKETS = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
    /** Shares of the effective timeout that {@code egress_probe_upstream_connect_slow_total} counts connects at. */
    static final List<String> SLOW_FRACTIONS = List.of("0.5", "0.8", "1");

    private MetricNames() {}

    /** The Prometheus name of a dotted one, before the unit and type suffixes. */
    static String prometheus(String dotted) {
        return dotted.replace('.', '_');
    }
}
