package io.egressprobe.probe;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import java.time.Duration;
import java.util.Optional;

/**
 * Sits at the head of the probe connection's pipeline, below TLS, and sees the raw bytes:
 *
 * <ul>
 *   <li>the time from the ClientHello leaving (the first write reaching the socket) to the first byte
 *       of the server's reply. Through a sidecar this holds Envoy's upstream connect, because Envoy
 *       dials the upstream only once it has the ClientHello;</li>
 *   <li>the first error the socket raised: Vert.x reports a reset mid-handshake only as a generic close,
 *       and the {@code Connection reset} is what tells Envoy's cut (RST) from a proxy's FIN.</li>
 * </ul>
 * Event-loop confined.
 */
final class WireObserver extends ChannelDuplexHandler {
    static final String NAME = "egress-probe-wire";

    private long clientHelloSentNanos = -1;
    private long firstReplyNanos = -1;
    private Throwable firstError;

    Throwable firstError() {
        return firstError;
    }

    /** ClientHello sent to first reply byte, once both happened. */
    Optional<Duration> timeToServerHello() {
        return clientHelloSentNanos < 0 || firstReplyNanos < 0 ? Optional.empty()
                : Optional.of(Duration.ofNanos(firstReplyNanos - clientHelloSentNanos));
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (clientHelloSentNanos < 0 && msg instanceof ByteBuf buf && buf.isReadable()) {
            ChannelPromise tracked = promise.unvoid();
            tracked.addListener(f -> {
                if (f.isSuccess() && clientHelloSentNanos < 0) {
                    clientHelloSentNanos = System.nanoTime();
                }
            });
            ctx.write(msg, tracked);
            return;
        }
        ctx.write(msg, promise);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (firstReplyNanos < 0 && clientHelloSentNanos >= 0) {
            firstReplyNanos = System.nanoTime();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (firstError == null) {
            firstError = cause;
        }
        ctx.fireExceptionCaught(cause);
    }
}
