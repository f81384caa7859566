package io.egressprobe.probe;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;

/**
 * Sits at the head of the probe connection's pipeline, below TLS, and remembers the first error the
 * socket itself raised. Vert.x reports a reset during {@code upgradeToSsl} only as a generic close;
 * this keeps the {@code Connection reset} that tells a RST from a FIN. Event-loop confined.
 */
final class WireObserver extends ChannelDuplexHandler {
    static final String NAME = "egress-probe-wire";

    private Throwable firstError;

    Throwable firstError() {
        return firstError;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (firstError == null) {
            firstError = cause;
        }
        ctx.fireExceptionCaught(cause);
    }
}
