package io.egressprobe.probe;

import io.netty.util.NetUtil;
import io.egressprobe.route.AddressFamily;
import io.vertx.core.Future;
import io.vertx.core.dns.DnsClient;
import java.net.InetAddress;
import java.util.ArrayList;
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
    /** For AAAA records: Vert.x's resolver completes once the preferred family (IPv4) has answered. */
    private DnsClient aaaa;

    NameLookup(Vertx vertx) {
        this.vertx = (VertxInternal) vertx;
    }

    /**
     * As {@link #all(String)}, and where {@code family} wants IPv6, the name's AAAA records too: Vert.x's resolver
     * completes as soon as the preferred family has answered, so it alone never yields IPv6 for a dual-stack name.
     * They are asked of the first name server (no search domains: targets are full names); a name without any, or a
     * server that does not answer them, leaves the resolver's answer as it is.
     */
    Future<List<InetSocketAddress>> all(String host, AddressFamily family) {
        Future<List<InetSocketAddress>> resolved = all(host);
        if (NetUtil.createInetAddressFromIpAddressString(host) != null) {
            return resolved;
        }
        if (family == AddressFamily.V4_ONLY || family == AddressFamily.V4_PREFERRED) {
            return resolved.recover(noIpv4 -> onlyIpv6(host, noIpv4));
        }
        ContextInternal context = vertx.getOrCreateContext();
        PromiseInternal<List<InetSocketAddress>> promise = context.promise(); // completes on the caller's context
        Future<List<String>> v6 = aaaa().resolveAAAA(host).recover(e -> Future.succeededFuture(List.of()));
        Future.join(resolved, v6).<List<InetSocketAddress>>transform(ar -> {
            List<InetSocketAddress> merged = new ArrayList<>(resolved.succeeded() ? resolved.result() : List.of());
            for (String a : v6.succeeded() && v6.result() != null ? v6.result() : List.<String>of()) {
                InetAddress address = NetUtil.createInetAddressFromIpAddressString(a);
                if (address != null && merged.stream().noneMatch(m -> m.getAddress().equals(address))) {
                    merged.add(new InetSocketAddress(address, 0));
                }
            }
            return merged.isEmpty() && resolved.failed() ? Future.failedFuture(resolved.cause()) : Future.succeededFuture(merged);
        }).onComplete(promise);
        return promise.future();
    }

    /**
     * A name without IPv4 addresses: its IPv6 ones, where it has any, which {@code auto} (IPv4 preferred) takes, as it
     * promises, and for which {@code v4} can say why it has none (the prober does); the resolver alone says only that the
     * name does not resolve (it asks no AAAA where the node has no IPv6 address of its own).
     */
    private Future<List<InetSocketAddress>> onlyIpv6(String host, Throwable noIpv4) {
        ContextInternal context = vertx.getOrCreateContext();
        PromiseInternal<List<InetSocketAddress>> promise = context.promise();
        aaaa().resolveAAAA(host).<List<InetSocketAddress>>transform(ar -> {
            List<InetSocketAddress> v6 = new ArrayList<>();
            for (String a : ar.succeeded() && ar.result() != null ? ar.result() : List.<String>of()) {
                InetAddress address = NetUtil.createInetAddressFromIpAddressString(a);
                if (address != null) {
                    v6.add(new InetSocketAddress(address, 0));
                }
            }
            return v6.isEmpty() ? Future.failedFuture(noIpv4) : Future.succeededFuture(v6);
        }).onComplete(promise);
        return promise.future();
    }

    private synchronized DnsClient aaaa() {
        if (aaaa == null) {
            aaaa = vertx.createDnsClient();
        }
        return aaaa;
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
