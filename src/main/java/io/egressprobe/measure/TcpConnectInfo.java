package io.egressprobe.measure;

import java.time.Duration;

/**
 * What the kernel knew of an attempt's TCP connect the moment it completed: {@code TCP_INFO}, read on the native
 * epoll transport. Nothing but SYNs has been sent on the socket by then, so its retransmission count is the count of
 * SYNs sent again, and its one round-trip sample is the SYN → SYN-ACK of the SYN that was answered.
 *
 * @param synRoundTrip      {@code tcpi_rtt}: the kernel's first and only RTT sample
 * @param retransmittedSyns {@code tcpi_total_retrans}: SYNs sent again before the SYN-ACK came
 */
public record TcpConnectInfo(Duration synRoundTrip, int retransmittedSyns) {
    public TcpConnectInfo {
        if (synRoundTrip.isNegative() || retransmittedSyns < 0) {
            throw new IllegalArgumentException("negative TCP_INFO: " + synRoundTrip + ", " + retransmittedSyns);
        }
    }

    /**
     * Whether the round trip is the whole connect: the first SYN was answered. After a retransmission it is the last
     * SYN's round trip only, and the connect took the retransmission timer's wait on top.
     */
    public boolean roundTripIsConnect() {
        return retransmittedSyns == 0 && !synRoundTrip.isZero();
    }
}
