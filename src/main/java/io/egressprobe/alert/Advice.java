package io.egressprobe.alert;

import io.egressprobe.config.Durations;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.window.Recommendation;
import io.egressprobe.window.WindowStats;
import java.time.Duration;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What an alert tells the person who receives it: the numbers behind it and the exact Istio change
 * that applies the recommended timeout.
 */
public record Advice(String summary, String description, String recommendation) {

    public static Advice of(Transition t, String host, int port) {
        WindowStats s = t.stats();
        EffectiveTimeout timeout = s.timeout();
        String timeoutText = Durations.format(timeout.value()) + " connect timeout (" + timeout.source().label() + ")";
        String summary = switch (t.alert()) {
            case EGRESS_CONNECT_TIMEOUTS -> t.isResolve()
                    ? "No more connects to " + host + " cut at the " + timeoutText
                    : s.exceededCount() + " of " + s.count() + " connects to " + host + " reached the " + timeoutText;
            case EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT -> t.isResolve()
                    ? "Connect latency to " + host + " is back well below the " + timeoutText
                    : "p99 connect latency to " + host + " is " + percent(s.utilization()) + " of the " + timeoutText;
        };
        StringBuilder d = new StringBuilder();
        s.quantiles().ifPresent(q -> d.append("p99 ").append(ms(q.p99())).append(", p99.9 ").append(ms(q.p999()))
                .append(", max ").append(ms(q.max())).append(" over ").append(s.count()).append(" connects; "));
        d.append("timeout ").append(timeoutText).append(timeout.cluster().map(c -> " of cluster " + c).orElse(""))
                .append("; utilization ").append(percent(s.utilization()))
                .append("; ").append(s.exceededCount()).append(" at or above the timeout.");
        if (s.retransmitSuspected() > 0) {
            d.append(' ').append(s.retransmitSuspected()).append(" of ").append(s.count())
                    .append(" connects took about a SYN retransmission time (1 s or more): lost SYNs; a ")
                    .append(Durations.format(timeout.value())).append(" timeout tolerates ")
                    .append(tolerated(timeout.value())).append('.');
        }
        d.append(" Share a timeout would have cut: ").append(s.whatIf().stream()
                .map(w -> Durations.format(w.timeout()) + " " + percent(w.cutRatio())).collect(Collectors.joining(", ")))
                .append('.');
        String recommendation = s.recommendation().map(r -> recommendation(r, timeout, host, port))
                .orElse("Not enough samples for a recommendation yet.");
        return new Advice(summary, d.toString(), recommendation);
    }

    private static String recommendation(Recommendation r, EffectiveTimeout current, String host, int port) {
        String value = Durations.format(r.timeout());
        StringBuilder b = new StringBuilder();
        if (r.beyondLargest()) {
            b.append("The distribution needs more than ").append(value).append(" (").append(Durations.format(r.needed()))
                    .append("): fix the path to ").append(host).append(" rather than the timeout. ");
        }
        b.append("Recommended connect timeout: ").append(value).append(" (at least ").append(Durations.format(r.needed()))
                .append(" covers 3 × p99.9 and the tolerated SYN losses; the current one is ")
                .append(Durations.format(current.value())).append("). For ").append(host).append(":\n")
                .append("apiVersion: networking.istio.io/v1\n")
                .append("kind: DestinationRule\n")
                .append("metadata:\n  name: ").append(host.replace('.', '-')).append("-connect-timeout\n")
                .append("spec:\n  host: ").append(host).append('\n')
                .append("  trafficPolicy:\n")
                .append("    portLevelSettings:\n")
                .append("    - port:\n        number: ").append(port).append('\n')
                .append("      connectionPool:\n        tcp:\n          connectTimeout: ").append(value).append('\n');
        if (current.source() == TimeoutSource.MESH_CONFIG || current.source() == TimeoutSource.ISTIO_DEFAULT) {
            b.append("or mesh-wide, in the IstioOperator or Helm values: meshConfig.connectTimeout: ").append(value);
        } else {
            b.append("A DestinationRule that already sets a trafficPolicy for this host: add connectTimeout there instead"
                    + " (a portLevelSettings entry replaces the whole policy for its port).");
        }
        return b.toString();
    }

    /** How many lost SYNs a connect timeout absorbs on the slower, classic schedule (1, 3, 7 s). */
    static String tolerated(Duration timeout) {
        long ms = timeout.toMillis();
        return ms <= 1000 ? "none" : ms <= 3000 ? "one" : ms <= 7000 ? "two" : "three or more";
    }

    static String percent(double ratio) {
        return String.format(Locale.ROOT, "%.0f%%", ratio * 100);
    }

    static String ms(Duration d) {
        return String.format(Locale.ROOT, "%.0f ms", d.toNanos() / 1e6);
    }
}
