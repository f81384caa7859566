package io.egressprobe.measure;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * When Linux resends an unanswered SYN, counted from the first SYN.
 *
 * <p>Classic kernels double the 1s initial RTO (1, 3, 7 s); Linux 6.5+ with
 * {@code net.ipv4.tcp_syn_linear_timeouts=4} retries linearly first (1, 2, 3, 4, 5, 7 s). A connect that
 * lands just after one of these while the median is far below 1s most likely lost a SYN.
 */
public final class SynRetransmits {
    public static final List<Duration> CLASSIC = List.of(secs(1), secs(3), secs(7));
    /** Union of both schedules: where a retransmitted SYN can land on either kind of kernel. */
    public static final List<Duration> ANY_KERNEL = List.of(secs(1), secs(2), secs(3), secs(4), secs(5), secs(7));
    /** A median above this is not "far below" the first retransmission: slow links, not lost SYNs. */
    public static final Duration MAX_MEDIAN = Duration.ofMillis(100);

    private SynRetransmits() {}

    /** What cuts a connect before it completes: Envoy's connect timeout on the sidecar path, nothing we judge on the direct one. */
    public static Optional<Duration> cutAt(ProbePath path, EffectiveTimeout timeout) {
        return path != ProbePath.DIRECT ? Optional.of(timeout.value()) : Optional.empty();
    }

    /** The time of the {@code n}-th retransmission on the classic schedule; zero for none. */
    public static Duration classicTimeToNth(int n) {
        if (n < 0 || n > CLASSIC.size()) {
            throw new IllegalArgumentException("n must be between 0 and " + CLASSIC.size());
        }
        return n == 0 ? Duration.ZERO : CLASSIC.get(n - 1);
    }

    /**
     * Whether a connect that completed in {@code connect} lands just after a retransmission time: no
     * earlier than it, and no later than one normal connect (3 × median) plus the kernel's timer drift
     * and the prober's own scheduling delay on a busy node (5% of the time + 50 ms: 7.12 s was measured
     * for the 7 s retransmission, and 1.05 s for the 1 s one under load). The windows of neighbouring
     * retransmission times never meet.
     *
     * <p>Only completed connects are judged: an attempt cut by a timeout is a cut, whatever its time.
     * Where a timeout cuts the connect ({@code cutAt}: Envoy's, on the sidecar path), a SYN retransmitted
     * at or after it never completes, so those retransmission times are not considered: with a 1 s
     * timeout, a connect that lands just after 1 s is Envoy's timer racing the answer, not a lost SYN.
     */
    public static boolean suspected(Duration connect, Duration median, Optional<Duration> cutAt) {
        if (median.compareTo(MAX_MEDIAN) > 0) {
            return false;
        }
        long c = connect.toNanos();
        long limit = cutAt.map(Duration::toNanos).orElse(Long.MAX_VALUE);
        for (Duration r : ANY_KERNEL) {
            long start = r.toNanos();
            long slack = start / 20 + 3 * median.toNanos() + 50_000_000L;
            if (start < limit && c >= start && c <= start + slack) {
                return true;
            }
        }
        return false;
    }

    private static Duration secs(long s) {
        return Duration.ofSeconds(s);
    }
}
