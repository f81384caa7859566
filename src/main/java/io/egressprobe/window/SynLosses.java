package io.egressprobe.window;

/**
 * The window's connects that needed a retransmitted SYN. Counted by the kernel ({@code TCP_INFO}) on the direct path
 * where the transport reads it; inferred from timing elsewhere: on the sidecar path our socket ends at the local
 * Envoy, whose upstream SYNs we cannot see, and on the NIO transport the kernel is not asked. An inferred count never
 * includes a cut and cannot tell how many SYNs one connect lost: it counts each as one.
 *
 * @param connects          connects that needed at least one retransmitted SYN
 * @param retransmittedSyns SYNs sent again in all (the kernel's count; {@code connects} where inferred)
 * @param outOf             the connects judged: those the kernel reported on, or the completed ones
 */
public record SynLosses(Source source, int connects, int retransmittedSyns, int outOf) {
    public enum Source {
        KERNEL("tcp_info"), TIMING("timing");

        private final String label;

        Source(String label) {
            this.label = label;
        }

        public String label() {
            return label;
        }
    }

    public static SynLosses counted(SampleWindow.KernelSyns kernel) {
        return new SynLosses(Source.KERNEL, kernel.connectsWithLostSyn(), kernel.retransmittedSyns(), kernel.connects());
    }

    public static SynLosses inferred(int suspected, int completed) {
        return new SynLosses(Source.TIMING, suspected, suspected, completed);
    }
}
