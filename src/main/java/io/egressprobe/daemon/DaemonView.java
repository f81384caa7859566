package io.egressprobe.daemon;

import io.egressprobe.config.ReloadOutcome;
import io.egressprobe.http.ProbeView;
import io.egressprobe.http.TargetView;
import io.egressprobe.notify.AlertBook;
import io.egressprobe.notify.AlertHistory;
import io.vertx.core.Future;
import java.util.Collection;
import java.util.function.BooleanSupplier;

/** The daemon as its HTTP endpoints see it: read-only but for a reload of its config file. */
record DaemonView(TargetSupervisor supervisor, ConfigReloader reloader, AlertBook book, BooleanSupplier readiness)
        implements ProbeView {
    @Override
    public Collection<? extends TargetView> targets() {
        return supervisor.states();
    }

    @Override
    public AlertHistory alerts() {
        return book.history();
    }

    @Override
    public java.util.Optional<String> overload() {
        return supervisor.ownOverload();
    }

    @Override
    public boolean ready() {
        return readiness.getAsBoolean();
    }

    @Override
    public Future<ReloadOutcome> reload() {
        return reloader.reload(true);
    }
}
