package io.egressprobe.notify;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;

/**
 * A transition with everything a receiver needs: the target's address, the node the probe runs on,
 * and the advice.
 */
public record Notification(Transition transition, String host, int port, String node, Advice advice) {

    /** Identifies the alert instance across its transitions. */
    public String key() {
        return transition.alert().alertName() + "/" + transition.target();
    }

    /** The level the alert is at after this transition, or the one it resolved from. */
    public Level severity() {
        return transition.isResolve() ? transition.from() : transition.to();
    }
}
