package io.egressprobe.notify;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.measure.ProbePath;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A transition with everything a receiver needs: the target's address, the node the probe runs on, the path it
 * measured, the advice, the runbook, and the window's numbers behind it ({@code window}: taken from the transition's
 * statistics, or kept by the state file for an alert a previous run fired). The one place that names an alert's labels and annotations: Alertmanager,
 * the webhook, the API and the shipped rules' expectations all take them from here.
 */
public record Notification(Transition transition, String host, int port, String node, ProbePath path, Advice advice,
                           URI runbookUrl, AlertWindow window) {

    public Notification(Transition transition, String host, int port, String node, ProbePath path, Advice advice,
                        URI runbookUrl) {
        this(transition, host, port, node, path, advice, runbookUrl, AlertWindow.of(transition.stats()));
    }

    /**
     * The labels Alertmanager tells alerts apart by, in the order they are sent. The per-node rules of
     * {@code egress-probe.rules.yml} give their alerts exactly these, so that Alertmanager deduplicates the two.
     */
    public static final List<String> LABELS = List.of("alertname", "severity", "target", "host", "node", "path");

    /** Identifies the alert instance across its transitions. */
    public String key() {
        return key(transition.alert().alertName(), transition.target());
    }

    static String key(String alertName, String target) {
        return alertName + "/" + target;
    }

    /** The level the alert is at after this transition, or the one it resolved from. */
    public Level severity() {
        return transition.isResolve() ? transition.from() : transition.to();
    }

    public Map<String, String> labels() {
        return labels(severity());
    }

    /** The labels of this alert's instance at {@code severity} (a level change ends the instance at the old one). */
    public Map<String, String> labels(Level severity) {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(LABELS.get(0), transition.alert().alertName());
        labels.put(LABELS.get(1), severity.label());
        labels.put(LABELS.get(2), transition.target());
        labels.put(LABELS.get(3), host);
        labels.put(LABELS.get(4), node);
        labels.put(LABELS.get(5), path.label());
        return labels;
    }

    public Map<String, String> annotations() {
        Map<String, String> annotations = new LinkedHashMap<>();
        annotations.put("summary", advice.summary());
        annotations.put("description", advice.description());
        annotations.put("recommendation", advice.recommendation());
        annotations.put("runbook_url", runbookUrl.toString());
        return annotations;
    }
}
