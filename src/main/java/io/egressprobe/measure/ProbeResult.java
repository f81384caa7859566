package io.egressprobe.measure;

import java.time.Duration;
import java.util.Optional;

/** How one attempt ended. Consume with {@code instanceof} patterns. */
public sealed interface ProbeResult {

    /** The phases this attempt completed. */
    PhaseTimings timings();

    /** From the start of the attempt to its end. */
    Duration elapsed();

    /** The time to the first byte of the server's reply after the ClientHello left, where it was captured. */
    Optional<Duration> timeToServerHello();

    /** The kernel's account of the TCP connect, where it completed and the transport can read it (native epoll). */
    Optional<TcpConnectInfo> tcp();

    /** The address connected to ({@code 192.0.2.1}, {@code 2001:db8::1}), once one was chosen. */
    Optional<String> address();

    /**
     * The kernel's account of the upstream connect: on the direct path our connect is it; on the sidecar path our
     * socket ends at the local Envoy, whose upstream SYNs it says nothing about.
     */
    default Optional<TcpConnectInfo> upstreamTcp(ProbePath path) {
        return path == ProbePath.DIRECT ? tcp() : Optional.empty();
    }

    record Success(PhaseTimings timings, Duration elapsed, Optional<Duration> timeToServerHello,
                   Optional<TcpConnectInfo> tcp, TlsFacts tls, Optional<Integer> httpStatus, Optional<String> address)
            implements ProbeResult {
        public Success(PhaseTimings timings, Duration elapsed, Optional<Duration> timeToServerHello,
                       Optional<TcpConnectInfo> tcp, TlsFacts tls, Optional<Integer> httpStatus) {
            this(timings, elapsed, timeToServerHello, tcp, tls, httpStatus, Optional.empty());
        }
    }

    /**
     * @param phase   the phase in progress when the attempt failed
     * @param detail  for logs and the status API only: never a label
     */
    record Failure(FailureReason reason, Phase phase, PhaseTimings timings, Duration elapsed,
                   Optional<Duration> timeToServerHello, Optional<TcpConnectInfo> tcp, Optional<TlsFacts> tls,
                   String detail, Optional<String> address)
            implements ProbeResult {

        public Failure(FailureReason reason, Phase phase, PhaseTimings timings, Duration elapsed,
                       Optional<Duration> timeToServerHello, Optional<TcpConnectInfo> tcp, Optional<TlsFacts> tls,
                       String detail) {
            this(reason, phase, timings, elapsed, timeToServerHello, tcp, tls, detail, Optional.empty());
        }

        /** From the start of the phase in progress to the failure: the elapsed time less the phases completed before. */
        public Duration elapsedInPhase() {
            Duration before = Duration.ZERO;
            for (Phase p : Phase.values()) {
                if (p.ordinal() < phase.ordinal()) {
                    before = before.plus(timings.get(p).orElse(Duration.ZERO));
                }
            }
            return elapsed.minus(before);
        }
    }
}
