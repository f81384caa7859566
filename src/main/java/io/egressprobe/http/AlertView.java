package io.egressprobe.http;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.egressprobe.notify.AlertHistory;
import io.egressprobe.notify.AlertWindow;
import io.egressprobe.notify.Notification;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** {@code GET /api/v1/alerts}: the firing alerts with the numbers that triggered them, and recent transitions. */
record AlertView(List<Alert> active, List<Alert> recent) {

    /** The window's numbers at the top level of each alert, as the API has always had them. */
    record Alert(String alertname, String target, String host, String node, String path, String severity, String from,
                 String to, Instant at, Instant since, String summary, String description, String recommendation,
                 String runbookUrl, Map<String, String> labels, Map<String, String> annotations,
                 @JsonUnwrapped AlertWindow window) {}

    static AlertView of(AlertHistory snapshot) {
        return new AlertView(snapshot.active().stream().map(AlertView::alert).toList(),
                snapshot.recent().stream().map(AlertView::alert).toList());
    }

    private static Alert alert(Notification n) {
        var t = n.transition();
        return new Alert(t.alert().alertName(), t.target(), n.host(), n.node(), n.path().label(), n.severity().label(),
                t.from().label(), t.to().label(), t.at(), t.isResolve() ? t.since() : t.at(), n.advice().summary(),
                n.advice().description(), n.advice().recommendation(), n.runbookUrl().toString(), n.labels(),
                n.annotations(), n.window());
    }
}
