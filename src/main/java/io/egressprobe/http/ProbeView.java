package io.egressprobe.http;

import io.egressprobe.config.ReloadOutcome;
import io.egressprobe.notify.AlertHistory;
import io.vertx.core.Future;
import java.util.Collection;

/** What the endpoints read of the daemon, and the one thing they may ask of it: to read its config file again. */
public interface ProbeView {
    Collection<? extends TargetView> targets();

    AlertHistory alerts();

    /** {@code /readyz}. */
    boolean ready();

    Future<ReloadOutcome> reload();
}
