package io.egressprobe.probe;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Every address of a name, looked up without a thread per lookup: Vert.x's asynchronous resolver (Netty's DNS client,
 * reading {@code /etc/hosts} and resolv.conf's servers, search domains and {@code ndots} as glibc does), which is what a
 * Vert.x connect by name uses too. A blocking lookup would hold a worker for as long as a dead DNS server makes it
 * wait, so one unresolvable target would delay the lookups of all the others behind it.
 */
final class NameLookup {
    private final VertxInternal vertx;

    NameLookup(Vertx vertx) {
        this.vertx = (VertxInternal) vertx;
    }

    /** Completes on the caller's context. */
    Future<List<InetSocketAddress>> all(String host) {
        ContextInternal context = vertx.getOrCreateContext();
        PromiseInternal<List<InetSocketAddress>> promise = context.promise();
        vertx.nameResolver().resolveAll(context.nettyEventLoop(), host).addListener(promise);
        return promise.future();
    }
}
