package io.egressprobe.probe;

import io.vertx.core.Vertx;
import java.util.Optional;

/**
 * The socket transport Vert.x runs on: Netty's native epoll where it loads (Linux x86_64 and aarch64), which lets the
 * prober read each connection's TCP_INFO; Java NIO otherwise, where connect times are taken on the event loop and lost
 * SYNs inferred from timing. {@code -Dio.netty.transport.noNative=true} forces NIO.
 */
public enum Transport {
    EPOLL, NIO;

    public static Transport of(Vertx vertx) {
        return vertx.isNativeTransportEnabled() ? EPOLL : NIO;
    }

    /** Why the native transport is not in use, where it is not. */
    public static Optional<String> whyNotNative(Vertx vertx) {
        Throwable cause = vertx.unavailableNativeTransportCause();
        return vertx.isNativeTransportEnabled() || cause == null ? Optional.empty()
                : Optional.of(cause.getMessage() == null ? cause.toString() : cause.getMessage());
    }

    public String label() {
        return this == EPOLL ? "epoll" : "nio";
    }

    /** Where the direct path's connect times and lost SYNs come from on this transport. */
    public String kernelTruth() {
        return this == EPOLL ? "connect times and lost SYNs from the kernel (TCP_INFO)"
                : "connect times from the event loop, lost SYNs inferred from timing";
    }
}
