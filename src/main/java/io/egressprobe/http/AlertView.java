package io.egressprobe.http;

import io.egressprobe.daemon.AlertLoop;
import io.egressprobe.notify.Notification;
import io.egressprobe.window.WindowStats;
import java.time.Instant;
import java.util.List;

/** {@code GET /api/v1/alerts}: the firing alerts with the numbers that triggered them, and recent transitions. */
record AlertView(List<Alert> active, List<Alert> recent) {

    record Alert(String alertname, String target, String host, String node, String severity, String from, String to,
                 Instant at, Instant since, String summary, String description, String recommendation, int count,
                 Double p99Seconds, Double p999Seconds, double utilization, int exceeded, int retransmitSuspected,
                 int synLossConnects, String synLossSource, int attempts, double failureRatio, double timeoutSeconds,
                 String timeoutSource) {}

    static AlertView of(AlertLoop.Snapshot snapshot) {
        return new AlertView(snapshot.active().stream().map(AlertView::alert).toList(),
                snapshot.recent().stream().map(AlertView::alert).toList());
    }

    private static Alert alert(Notification n) {
        var t = n.transition();
        WindowStats s = t.stats();
        return new Alert(t.alert().alertName(), t.target(), n.host(), n.node(), n.severity().label(), t.from().label(),
                t.to().label(), t.at(), t.isResolve() ? t.since() : t.at(), n.advice().summary(), n.advice().description(),
                n.advice().recommendation(), s.count(), s.quantiles().map(q -> q.p99().toNanos() / 1e9).orElse(null),
                s.quantiles().map(q -> q.p999().toNanos() / 1e9).orElse(null), s.utilization(), s.exceededCount(),
                s.retransmitSuspected(), s.synLosses().connects(), s.synLosses().source().label(), s.attempts().total(),
                s.attempts().failureRatio(), s.timeout().seconds(),
                s.timeout().source().label());
    }
}
