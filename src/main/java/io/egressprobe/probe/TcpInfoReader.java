package io.egressprobe.probe;

import io.egressprobe.measure.TcpConnectInfo;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.epoll.EpollTcpInfo;
import java.time.Duration;
import java.util.Optional;

/** {@code TCP_INFO} of a connected socket, where the native epoll transport carries it; nothing on NIO. */
final class TcpInfoReader {
    private TcpInfoReader() {}

    /** Right after the connect completes, before anything is written: see {@link TcpConnectInfo}. */
    static Optional<TcpConnectInfo> read(Channel channel) {
        if (!(channel instanceof EpollSocketChannel epoll) || !epoll.isOpen()) {
            return Optional.empty();
        }
        try {
            EpollTcpInfo info = epoll.tcpInfo();
            return Optional.of(new TcpConnectInfo(Duration.ofNanos(info.rtt() * 1000), (int) info.totalRetrans()));
        } catch (RuntimeException e) { // the peer closed it in between: the attempt fails on its own
            return Optional.empty();
        }
    }
}
