package io.egressprobe.http;

import io.egressprobe.config.ReloadOutcome;
import io.egressprobe.notify.AlertHistory;
import io.vertx.core.Future;
import java.util.Collection;

/** What the endpoints read of the daemon, and the one thing they may ask of it: to read its config file again. */
public interface ProbeView {
    Collection<? extends TargetView> targets();

    AlertHistory alerts();

    /** Why the daemon itself cannot keep up and holds its targets' alerts, while it cannot. */
    default java.util.Optional<String> overload() {
        return java.util.Optional.empty();
    }

    /** {@code /readyz}. */
    boolean ready();

    Future<ReloadOutcome> reload();
}
