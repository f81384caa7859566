package io.egressprobe.probe;

import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import java.net.InetAddress;
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

    /**
     * Completes on the caller's context. An address literal is its own answer, without the resolver: the resolver's
     * first use on an event loop sets it up (reading resolv.conf and the hosts file), which would otherwise show as
     * tens of milliseconds of {@code dns} in an attempt that asks no DNS server anything.
     */
    Future<List<InetSocketAddress>> all(String host) {
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
        if (literal != null) {
            return Future.succeededFuture(List.of(new InetSocketAddress(literal, 0)));
        }
        ContextInternal context = vertx.getOrCreateContext();
        PromiseInternal<List<InetSocketAddress>> promise = context.promise();
        vertx.nameResolver().resolveAll(context.nettyEventLoop(), host).addListener(promise);
        return promise.future();
    }
}
