package io.egressprobe.probe;

import io.egressprobe.config.HttpCheck;
import io.egressprobe.config.Target;
import io.egressprobe.measure.ClientCertificateProblem;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.PhaseTimings;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TcpConnectInfo;
import io.egressprobe.measure.TlsFacts;
import io.egressprobe.route.AddressFamily;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.NetUtil;
import io.netty.util.ReferenceCountUtil;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.internal.net.NetSocketInternal;
import io.vertx.core.net.ConnectOptions;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetClientOptions;
import io.vertx.core.net.NetSocket;
import io.vertx.core.net.SocketAddress;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.channels.ClosedChannelException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * Opens a fresh TCP connection, upgrades it to TLS, optionally sends one HTTP GET, and times each
 * phase separately: the plain connect comes first so that {@code connect} and {@code tls} are
 * durations of their own, never offsets.
 */
public final class TlsProber implements Prober {
    private static final int MAX_RESPONSE_HEAD = 64 * 1024;
    private static final long CERTIFICATE_VERDICT_MIN_MILLIS = 200;
    private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length:\\s*(\\d{1,6})\\s*$");
    private static final Comparator<InetAddress> BY_BYTES = (a, b) -> Arrays.compareUnsigned(a.getAddress(), b.getAddress());

    private final TlsEngine engine;
    /** A field, never a local: Vert.x 5 may close a NetClient only a local holds while it connects. */
    private final NetClient client;
    private final TlsContexts contexts;
    private final NameLookup names;
    private final Vertx vertx;

    public TlsProber(Vertx vertx, TlsEngine engine) {
        this.vertx = vertx;
        this.engine = engine;
        this.contexts = new TlsContexts(vertx, engine, Clock.systemUTC());
        this.names = new NameLookup(vertx);
        this.client = vertx.createNetClient(new NetClientOptions().setTcpNoDelay(true).setReuseAddress(true));
    }

    public TlsEngine engine() {
        return engine;
    }

    @Override
    public Future<ProbeResult> probe(Target target, ProbeContext context) {
        return new Attempt(target, context).start();
    }

    /** Re-read CA files from now on (config reload). */
    public void forgetTlsContexts() {
        contexts.clear();
    }

    public Future<Void> close() {
        names.close();
        return client.close();
    }

    /** One attempt's state, confined to the event-loop context it started on. */
    private final class Attempt {
        private final Target target;
        private final ProbeContext context;
        private final Promise<ProbeResult> promise = Promise.promise();
        private final Map<Phase, Duration> timings = new EnumMap<>(Phase.class);
        private Phase phase = Phase.DNS;
        private long phaseStart;
        private NetSocket socket;
        private final WireObserver wire = new WireObserver();
        private TlsFacts tls;
        private SSLEngine sslEngine;
        private Throwable lateError;
        private Optional<TcpConnectInfo> tcp = Optional.empty();
        /** The address and port connected to, once chosen: names which of several addresses failed. */
        private String remote;
        /** The address alone, for the per-address view. */
        private String chosenAddress;

        Attempt(Target target, ProbeContext context) {
            this.target = target;
            this.context = context;
        }

        Future<ProbeResult> start() {
            context.onAbort(this::abort);
            // The TLS context is built on a worker: the first attempt of a setting (and the first after a reload) waits
            // for it here, before any phase is timed; every other finds it ready.
            Future<Void> ready = context.plainText() ? Future.succeededFuture() : contexts.ready(target.tls());
            if (ready.isComplete()) {
                resolve();
            } else {
                io.vertx.core.Context home = vertx.getOrCreateContext();
                ready.onComplete(ar -> home.runOnContext(v -> {
                    if (!isDone()) {
                        resolve();
                    }
                }));
            }
            return promise.future();
        }

        private void resolve() {
            phaseStart = System.nanoTime();
            names.all(target.host(), context.family()).onComplete(ar -> {
                if (ar.failed()) {
                    fail(FailureReason.DNS, FailureClassifier.describe(ar.cause()));
                } else if (!isDone()) {
                    Optional<InetAddress> address = addressFor(ar.result());
                    if (address.isEmpty()) {
                        boolean wantsV4 = context.family() == AddressFamily.V4_ONLY;
                        fail(FailureReason.DNS, target.host() + " has only " + (wantsV4 ? "IPv6" : "IPv4") + " addresses ("
                                + ar.result().stream().map(a -> NetUtil.toAddressString(a.getAddress())).collect(Collectors.joining(", "))
                                + ") and the target asks for " + (wantsV4 ? "IPv4: set ipFamily: auto or v6"
                                : "IPv6: set ipFamily: auto or v4"));
                        return;
                    }
                    endPhase();
                    connect(address.get());
                }
            });
        }

        /**
         * A name with several addresses has each of them probed in turn, as a client that connects to
         * any of them would be served: one address that blackholes shows as that share of failures. Only
         * addresses of one family take turns, IPv4 where there is one (IPv6 if the JVM is told to prefer it),
         * as Istio's clusters resolve one family by default: a node without an IPv6 route must not see half
         * of its attempts fail on AAAA records no client uses. Turns go by the addresses' sorted order, not
         * the answer's: DNS servers rotate their answers, and turns taken by position in a rotating answer
         * can land on the same address every time.
         */
        private Optional<InetAddress> addressFor(List<InetSocketAddress> resolved) {
            AddressFamily family = context.family();
            if (resolved.size() == 1 && family != AddressFamily.V4_ONLY && family != AddressFamily.V6_ONLY) {
                return Optional.of(resolved.get(0).getAddress()); // the usual case: no stream and list on every attempt
            }
            List<InetAddress> addresses = resolved.stream().map(InetSocketAddress::getAddress).sorted(BY_BYTES).toList();
            List<InetAddress> v4 = addresses.stream().filter(Inet4Address.class::isInstance).toList();
            List<InetAddress> v6 = addresses.stream().filter(Inet6Address.class::isInstance).toList();
            List<InetAddress> candidates = switch (family) {
                case V4_ONLY -> v4;
                case V6_ONLY -> v6;
                case V4_PREFERRED -> v4.isEmpty() ? v6 : v4;
                case V6_PREFERRED -> v6.isEmpty() ? v4 : v6;
                case ALL -> addresses;
            };
            return candidates.isEmpty() ? Optional.empty()
                    : Optional.of(candidates.get((int) Math.floorMod(context.sequence(), (long) candidates.size())));
        }

        private void connect(InetAddress address) {
            chosenAddress = NetUtil.toAddressString(address); // RFC 5952: ::1, not 0:0:0:0:0:0:0:1
            phase = Phase.CONNECT;
            remote = (address instanceof Inet6Address ? "[" + address.getHostAddress() + "]" : address.getHostAddress())
                    + ":" + target.port();
            ConnectOptions options = new ConnectOptions()
                    .setRemoteAddress(SocketAddress.inetSocketAddress(new InetSocketAddress(address, target.port())))
                    .setSsl(false)
                    // A backstop only: the context's deadline aborts first and names the phase.
                    .setTimeout((int) Math.min(Integer.MAX_VALUE, context.remainingMillis() + 1000));
            client.connect(options).onComplete(ar -> {
                if (ar.failed()) {
                    fail(FailureClassifier.classify(Phase.CONNECT, ar.cause()),
                            FailureClassifier.describe(ar.cause()) + " (connecting to " + remote + ")");
                    return;
                }
                if (isDone()) {
                    ar.result().close();
                    return;
                }
                socket = ar.result();
                tcp = TcpInfoReader.read(((NetSocketInternal) socket).channelHandlerContext().channel());
                endConnect();
                if (context.plainText()) {
                    plainRequest();
                } else {
                    handshake();
                }
            });
        }

        /**
         * Netty's TLS handler is installed by hand, behind the wire observer, rather than through
         * {@code upgradeToSsl}, which would put it in front: the observer must see raw bytes and errors.
         */
        private void handshake() {
            phase = Phase.TLS;
            ChannelPipeline pipeline = ((NetSocketInternal) socket).channelHandlerContext().pipeline();
            if (!pipeline.channel().isActive()) { // closed by the server already: a handler added now would never be freed
                failOnSocket(new ClosedChannelException());
                return;
            }
            SslHandler ssl;
            try {
                ssl = contexts.newHandler(target.tls(), target.sni(), target.port());
            } catch (SSLException | RuntimeException e) {
                // The client certificate's files cannot serve: a local configuration problem, named as one.
                boolean clientFiles = e.getMessage() != null && ClientCertificateProblem.of(e.getMessage()).isPresent();
                fail(clientFiles ? FailureReason.TLS_CERTIFICATE : FailureReason.TLS_HANDSHAKE,
                        clientFiles ? e.getMessage() : "cannot set up TLS: " + FailureClassifier.describe(e));
                return;
            }
            try {
                // Our deadline decides; Netty's 10s default would cut slow handshakes first.
                ssl.setHandshakeTimeoutMillis(0);
                SSLParameters parameters = ssl.engine().getSSLParameters();
                if (isHostName(target.sni())) {
                    parameters.setServerNames(List.of(new SNIHostName(target.sni())));
                }
                ssl.engine().setSSLParameters(parameters);
            } catch (RuntimeException e) {
                ReferenceCountUtil.release(ssl.engine()); // never in a pipeline, so nothing else frees it
                fail(FailureReason.TLS_HANDSHAKE, "cannot set up TLS: " + FailureClassifier.describe(e));
                return;
            }
            // The wire observer keeps the socket's errors and the handshake's outcome classifies them; without a
            // handler Vert.x would also log every reset at ERROR, and resets are what this probe is here to see.
            // The TLS handler's own errors after the handshake (a TLS 1.3 server's alert) come here, above it.
            socket.exceptionHandler(e -> {
                if (lateError == null) {
                    lateError = e;
                }
            });
            socket.closeHandler(v -> {
                if (!isDone()) { // every attempt ends with a close: only an early one is a failure worth an exception
                    failOnSocket(new ClosedChannelException());
                }
            });
            sslEngine = ssl.engine();
            // Added last: the handler sends the ClientHello as soon as it is in an active pipeline.
            pipeline.addFirst(WireObserver.NAME, wire);
            pipeline.addAfter(WireObserver.NAME, "ssl", ssl);
            ssl.handshakeFuture().addListener(done -> {
                if (!done.isSuccess()) {
                    failOnSocket(done.cause());
                    return;
                }
                if (isDone()) {
                    return;
                }
                endPhase();
                tls = facts(ssl.engine().getSession());
                if (contexts.request(ssl.engine()).isPresent() && "TLSv1.3".equals(tls.protocol())) {
                    awaitCertificateVerdict();
                } else {
                    afterHandshake();
                }
            });
        }

        /**
         * Through a proxy that originates TLS: the request itself makes it connect (an HTTP listener dials upstream for a
         * request, not for a connection), and the time to its first response byte contains that connect and the
         * handshake the timeout covers. Without an HTTP check any response of the host passes; Envoy's own reply
         * that it could not connect never does.
         */
        private void plainRequest() {
            socket.exceptionHandler(e -> { });
            socket.closeHandler(v -> {
                if (!isDone()) {
                    failOnSocket(new ClosedChannelException());
                }
            });
            ((NetSocketInternal) socket).channelHandlerContext().pipeline().addFirst(WireObserver.NAME, wire);
            tls = new TlsFacts("originated by the proxy", "", Optional.empty());
            request(target.http().orElse(null));
        }

        /**
         * In TLS 1.3 the client's handshake completes before the server has checked the client's certificate: a server
         * that refuses it (or its absence) says so with an alert right after. The attempt waits for that verdict for
         * four times the time the server took to answer the ClientHello (at least 200 ms: a loaded server checks the
         * certificate late; within the deadline) before it counts as a success; an alert in that time fails it as
         * {@code tls_certificate}. The wait is in {@code total} only, never in the handshake.
         */
        private void awaitCertificateVerdict() {
            long serverMillis = wire.timeToServerHello().map(Duration::toMillis).orElse(0L);
            long grace = Math.min(context.remainingMillis(), Math.max(CERTIFICATE_VERDICT_MIN_MILLIS, 4 * serverMillis));
            vertx.setTimer(grace, id -> {
                if (!isDone()) {
                    afterHandshake();
                }
            });
        }

        private void afterHandshake() {
            if (target.http().isPresent()) {
                request(target.http().get());
            } else {
                succeed(Optional.empty());
            }
        }

        /** @param http the check, or null for a plain request through a proxy that originates TLS */
        private void request(HttpCheck http) {
            phase = Phase.REQUEST;
            Buffer head = Buffer.buffer();
            socket.handler(chunk -> {
                if (isDone()) {
                    return;
                }
                head.appendBuffer(chunk);
                String text = head.toString(StandardCharsets.ISO_8859_1);
                int end = text.indexOf("\r\n\r\n");
                if (end < 0 && head.length() <= MAX_RESPONSE_HEAD) {
                    return;
                }
                Optional<Integer> status = statusOf(text);
                if (status.isPresent() && status.get() == 503 && context.plainText() && !bodyRead(text, end)) {
                    return; // Envoy's local reply says why in its short body: read it before judging
                }
                endPhase();
                boolean proxyReply = status.isPresent() && status.get() == 503 && text.contains(Measurement.ENVOY_UPSTREAM_ERROR);
                boolean expected = status.isPresent() && !proxyReply
                        && (http == null || http.expectStatus().contains(status.get()));
                if (expected) {
                    succeed(status);
                } else {
                    fail(FailureReason.HTTP_STATUS, status.map(s -> "HTTP status " + s
                            + (proxyReply ? " from the proxy (" + text.substring(end + 4).trim() + ")"
                                    : http == null ? "" : ", expected one of " + http.expectStatus()))
                            .orElse("not an HTTP response"));
                }
            });
            String hostHeader = target.port() == (context.plainText() ? 80 : 443) ? target.sni() : target.sni() + ":" + target.port();
            String path = http == null ? "/" : http.path();
            socket.write("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader
                    + "\r\nUser-Agent: egress-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n");
        }

        private void abort(ProbeContext.Abort why) {
            FailureReason reason = switch (phase) {
                case DNS -> FailureReason.DNS;
                case CONNECT -> FailureReason.CONNECT_TIMEOUT;
                default -> FailureReason.PROBE_TIMEOUT;
            };
            fail(reason, why == ProbeContext.Abort.SHUTDOWN ? "cancelled at shutdown"
                    : "no answer within the probe timeout of " + context.timeout().toMillis() + " ms during " + phase.label()
                    + (remote == null ? "" : " from " + remote));
        }

        /** Prefer the socket's first error (e.g. the reset) over the generic close that follows it. */
        private void failOnSocket(Throwable cause) {
            Throwable error = wire.firstError() != null ? wire.firstError() : lateError != null ? lateError : cause;
            Optional<ClientCertificateRequest> request = sslEngine == null ? Optional.empty() : contexts.request(sslEngine);
            FailureReason reason = FailureClassifier.classify(phase, error, request.isPresent());
            String detail = FailureClassifier.describe(error);
            if (reason == FailureReason.TLS_CERTIFICATE && request.isPresent()) {
                detail = ClientCertificateFailure.describe(target.tls().client(), contexts.clientIssuer(target.tls()), request.get(),
                        FailureClassifier.isReceivedAlert(error), detail);
            }
            fail(reason, detail);
        }

        /**
         * The kernel's SYN round trip where it is the whole connect (native transport, first SYN answered): free of
         * the event loop's delays. Otherwise the time from our connect call to its completion on the event loop.
         */
        private void endConnect() {
            if (tcp.isPresent() && tcp.get().roundTripIsConnect()) {
                timings.put(Phase.CONNECT, tcp.get().synRoundTrip());
                phaseStart = System.nanoTime();
            } else {
                endPhase();
            }
        }

        private void endPhase() {
            long now = System.nanoTime();
            timings.put(phase, Duration.ofNanos(now - phaseStart));
            phaseStart = now;
        }

        private void succeed(Optional<Integer> status) {
            Duration elapsed = elapsed();
            timings.put(Phase.TOTAL, elapsed);
            complete(new ProbeResult.Success(PhaseTimings.of(timings), elapsed, wire.timeToServerHello(), tcp, tls, status,
                    Optional.ofNullable(chosenAddress)));
        }

        private void fail(FailureReason reason, String detail) {
            complete(new ProbeResult.Failure(reason, phase, PhaseTimings.of(timings), elapsed(), wire.timeToServerHello(),
                    tcp, Optional.ofNullable(tls), detail, Optional.ofNullable(chosenAddress)));
        }

        private void complete(ProbeResult result) {
            if (promise.tryComplete(result) && socket != null) {
                socket.close();
            }
        }

        private boolean isDone() {
            return promise.future().isComplete();
        }

        private Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - context.startNanos());
        }
    }

    private static TlsFacts facts(SSLSession session) {
        Optional<java.time.Instant> expiry;
        try {
            expiry = TlsFacts.earliestExpiry(List.of(session.getPeerCertificates()));
        } catch (SSLPeerUnverifiedException e) {
            expiry = Optional.empty();
        }
        return new TlsFacts(session.getProtocol(), session.getCipherSuite(), expiry);
    }

    /** SNI carries names only, never address literals. */
    static boolean isHostName(String name) {
        return !name.contains(":") && !name.matches("[0-9.]+");
    }

    /** Whether the body a {@code Content-Length} announces has arrived after the head ending at {@code end}. */
    static boolean bodyRead(String text, int end) {
        if (end < 0) {
            return true;
        }
        Matcher m = CONTENT_LENGTH.matcher(text.substring(0, end));
        return !m.find() || text.length() - end - 4 >= Integer.parseInt(m.group(1));
    }

    static Optional<Integer> statusOf(String head) {
        // "HTTP/1.1 200 OK"
        int lineEnd = head.indexOf("\r\n");
        String[] parts = (lineEnd < 0 ? head : head.substring(0, lineEnd)).split(" ", 3);
        if (parts.length >= 2 && parts[0].startsWith("HTTP/")) {
            try {
                return Optional.of(Integer.parseInt(parts[1]));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }
}
