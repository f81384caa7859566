package io.egressprobe.probe;

import io.egressprobe.route.AddressFamily;
import io.netty.channel.EventLoop;
import io.netty.channel.socket.SocketChannel;
import io.netty.resolver.HostsFileEntriesProvider;
import io.netty.resolver.HostsFileEntriesResolver;
import io.netty.resolver.ResolvedAddressTypes;
import io.netty.resolver.dns.DefaultDnsCache;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.util.NetUtil;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.internal.ContextInternal;
import io.vertx.core.internal.PromiseInternal;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.spi.transport.Transport;
import java.io.File;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Every address of a name, without a thread per lookup and without a query per attempt: Netty's
 * {@link DnsNameResolver} (reading {@code /etc/resolv.conf}'s servers, search domains and {@code ndots} as glibc does)
 * on the attempt's own event loop, its answers cached for their TTL and a failed lookup for {@link #NEGATIVE_TTL_SECONDS}
 * ({@link DefaultDnsCache}). One resolver per event loop and per way of asking, one cache per way of asking shared by
 * all event loops: a name is asked of DNS once per TTL per way, whatever the number of attempts (at 100 targets every
 * 5 s on 500 nodes an uncached AAAA query per attempt alone was 10,000 queries a second at CoreDNS).
 *
 * <p>The way of asking follows the family, as Envoy's {@code dns_lookup_family} does: for IPv4 (only or preferred, the
 * usual case) the A records alone, and the AAAA records only where the name has no A record, so that a name is one
 * query a TTL; for IPv6 first the preferred family's records and the other's where the name has none (Netty's
 * {@code completeOncePreferredResolved}); both for {@code ALL}. AAAA records are asked whatever this node's own
 * addresses (Netty's default asks none on a node without a non-loopback IPv6 address, which would make a name with
 * only IPv6 addresses "not resolve"); the prober picks the family's addresses from the answer and says why where it
 * has none. The hosts file is the one Vert.x reads: the
 * JVM's {@code jdk.net.hosts.file} where set, then {@code /etc/hosts}.
 */
final class NameLookup {
    /** How long a name that did not resolve stays unresolved without asking again: a name fixed in DNS shows within it. */
    static final int NEGATIVE_TTL_SECONDS = 5;

    /**
     * The ways of asking; V4_ONLY asks as V4_PREFERRED (A, then AAAA where there is none) so that the prober can name the
     * IPv6 addresses it skips.
     */
    private enum Asking {
        V4(ResolvedAddressTypes.IPV4_ONLY, false),
        /** Only after {@link #V4} found no A record. */
        V6_AFTER_V4(ResolvedAddressTypes.IPV6_ONLY, false),
        V6_FIRST(ResolvedAddressTypes.IPV6_PREFERRED, true),
        BOTH(ResolvedAddressTypes.IPV4_PREFERRED, false);

        final ResolvedAddressTypes types;
        final boolean completeOncePreferred;

        Asking(ResolvedAddressTypes types, boolean completeOncePreferred) {
            this.types = types;
            this.completeOncePreferred = completeOncePreferred;
        }

        static Asking of(AddressFamily family) {
            return switch (family) {
                case V4_ONLY, V4_PREFERRED -> V4;
                case V6_ONLY, V6_PREFERRED -> V6_FIRST;
                case ALL -> BOTH;
            };
        }
    }

    private final VertxInternal vertx;
    private final HostsFileEntriesResolver hosts = hostsFile();
    private final Map<Asking, DefaultDnsCache> caches = new EnumMap<>(Asking.class);
    private final Map<Asking, Map<EventLoop, DnsNameResolver>> resolvers = new EnumMap<>(Asking.class);

    NameLookup(Vertx vertx) {
        this.vertx = (VertxInternal) vertx;
        for (Asking a : Asking.values()) {
            caches.put(a, new DefaultDnsCache(0, Integer.MAX_VALUE, NEGATIVE_TTL_SECONDS));
            resolvers.put(a, new ConcurrentHashMap<>());
        }
    }

    /**
     * Completes on the caller's context. An address literal is its own answer, without the resolver: its first use on
     * an event loop sets it up, which would otherwise show as milliseconds of {@code dns} in an attempt that asks no
     * DNS server anything.
     */
    Future<List<InetSocketAddress>> all(String host, AddressFamily family) {
        InetAddress literal = NetUtil.createInetAddressFromIpAddressString(host);
        if (literal != null) {
            return Future.succeededFuture(List.of(new InetSocketAddress(literal, 0)));
        }
        ContextInternal context = vertx.getOrCreateContext();
        PromiseInternal<List<InetSocketAddress>> promise = context.promise();
        EventLoop loop = context.nettyEventLoop();
        Asking asking = Asking.of(family);
        ask(loop, asking, host).addListener(f -> {
            if (f.isSuccess() || asking != Asking.V4) {
                complete(promise, f);
                return;
            }
            // No A record: the name's IPv6 addresses, which auto takes and for which v4 says why it has none.
            ask(loop, Asking.V6_AFTER_V4, host).addListener(v6 -> complete(promise, v6.isSuccess() ? v6 : f));
        });
        return promise.future();
    }

    private io.netty.util.concurrent.Future<List<InetAddress>> ask(EventLoop loop, Asking asking, String host) {
        return resolvers.get(asking).computeIfAbsent(loop, l -> resolver(l, asking)).resolveAll(host);
    }

    private static void complete(PromiseInternal<List<InetSocketAddress>> promise, io.netty.util.concurrent.Future<?> f) {
        if (f.isSuccess()) {
            @SuppressWarnings("unchecked")
            List<InetAddress> found = (List<InetAddress>) f.getNow();
            List<InetSocketAddress> out = new ArrayList<>(found.size());
            found.forEach(a -> out.add(new InetSocketAddress(a, 0)));
            promise.complete(out);
        } else {
            promise.fail(f.cause());
        }
    }

    /** Closes the resolvers' sockets (the prober's end). */
    void close() {
        resolvers.values().forEach(m -> m.values().forEach(DnsNameResolver::close));
        caches.values().forEach(DefaultDnsCache::clear);
    }

    private DnsNameResolver resolver(EventLoop loop, Asking asking) {
        Transport transport = vertx.transport();
        return new DnsNameResolverBuilder(loop)
                .datagramChannelFactory(transport::datagramChannel)
                .socketChannelFactory(() -> (SocketChannel) transport.channelFactory(false).newChannel()) // a truncated answer, again over TCP
                .resolvedAddressTypes(asking.types)
                .completeOncePreferredResolved(asking.completeOncePreferred)
                .resolveCache(caches.get(asking))
                .hostsFileEntriesResolver(hosts)
                .build();
    }

    /** The JVM's own hosts file where it names one (as Vert.x's resolver reads it: MeteredVertx), else the system's. */
    private static HostsFileEntriesResolver hostsFile() {
        String path = System.getProperty("jdk.net.hosts.file");
        if (path == null || path.isBlank()) {
            return HostsFileEntriesResolver.DEFAULT;
        }
        HostsFileEntriesProvider entries = HostsFileEntriesProvider.parser().parseSilently(new File(path));
        return (name, types) -> {
            String key = name.toLowerCase(Locale.ROOT);
            List<InetAddress> v4 = entries.ipv4Entries().get(key);
            List<InetAddress> v6 = entries.ipv6Entries().get(key);
            List<InetAddress> first = types == ResolvedAddressTypes.IPV6_PREFERRED || types == ResolvedAddressTypes.IPV6_ONLY ? v6 : v4;
            List<InetAddress> second = first == v6 ? v4 : v6;
            if (first != null && !first.isEmpty()) {
                return first.get(0);
            }
            if (second != null && !second.isEmpty() && types != ResolvedAddressTypes.IPV4_ONLY && types != ResolvedAddressTypes.IPV6_ONLY) {
                return second.get(0);
            }
            return HostsFileEntriesResolver.DEFAULT.address(name, types);
        };
    }
}
