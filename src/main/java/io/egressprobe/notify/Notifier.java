package io.egressprobe.notify;

import io.vertx.core.Future;
import java.util.List;

/**
 * A destination for alert transitions. {@link #send} never blocks and never throws: delivery happens in
 * the background, and a notifier that fails affects nobody else.
 */
public interface Notifier {
    String name();

    void send(Notification notification);

    default Future<Void> close() {
        return Future.succeededFuture();
    }

    /**
     * What was handed to this notifier and is not delivered yet, oldest first, readable from any thread: a reload's
     * successor takes it over, and the state file keeps it across a restart. Still readable after {@link #close}.
     */
    default List<Notification> undelivered() {
        return List.of();
    }

    /**
     * Takes over what a predecessor (the notifier a reload replaced, or the previous run) did not deliver: delivered
     * before what this one is sent after, unless a newer transition of the same alert already came.
     */
    default void adopt(List<Notification> undelivered) {
    }
}
