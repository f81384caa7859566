package io.egressprobe.notify;

import io.vertx.core.Future;

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
}
