package io.egressprobe.notify;

import io.egressprobe.alert.Transition;
import io.egressprobe.support.PlainNumber;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One structured log line per transition: the notifier that is always there. */
public final class LogNotifier implements Notifier {
    private static final Logger LOG = LoggerFactory.getLogger("io.egressprobe.alerts");

    @Override
    public String name() {
        return "log";
    }

    @Override
    public void send(Notification n) {
        Transition t = n.transition();
        var event = t.isResolve() ? LOG.atInfo() : LOG.atWarn();
        event.addKeyValue("alertname", t.alert().alertName()).addKeyValue("target", t.target())
                .addKeyValue("from", t.from().label()).addKeyValue("to", t.to().label())
                .addKeyValue("host", n.host()).addKeyValue("node", n.node())
                .addKeyValue("path", n.path().label())
                .addKeyValue("utilization", PlainNumber.of(n.window().utilization())).addKeyValue("exceeded", n.window().exceeded())
                .addKeyValue("timeoutSeconds", PlainNumber.of(n.window().timeoutSeconds()))
                .addKeyValue("timeoutSource", n.window().timeoutSource())
                .addKeyValue("description", n.advice().description())
                .addKeyValue("recommendation", n.advice().recommendation())
                .log("{} {} {} -> {}: {}", t.alert().alertName(), t.target(), t.from().label(), t.to().label(),
                        n.advice().summary());
    }
}
