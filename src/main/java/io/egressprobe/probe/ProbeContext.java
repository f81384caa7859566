package io.egressprobe.probe;

import io.egressprobe.route.AddressFamily;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One attempt's deadline and its way to be cut short. Confined to the attempt's event-loop context.
 */
public final class ProbeContext {
    public enum Abort { DEADLINE, SHUTDOWN }

    private final long startNanos;
    private final Duration timeout;
    private final long sequence;
    private final boolean plainText;
    private final AddressFamily family;
    private Consumer<Abort> onAbort;
    private Abort aborted;

    /** @param sequence the attempt's number for its target, from 0: which of several addresses it tries */
    public ProbeContext(long startNanos, Duration timeout, long sequence) {
        this(startNanos, timeout, sequence, false, DEFAULT_FAMILY);
    }

    /**
     * @param plainText a proxy on the way opens the TLS connection to the host (TLS origination): the attempt speaks
     *                  plain HTTP to it, as the application does
     * @param family    which of the name's addresses the attempt connects to
     */
    public ProbeContext(long startNanos, Duration timeout, long sequence, boolean plainText, AddressFamily family) {
        this.startNanos = startNanos;
        this.timeout = timeout;
        this.sequence = sequence;
        this.plainText = plainText;
        this.family = family;
    }

    /**
     * Where nothing chooses: IPv4 where the name has it (IPv6 if the JVM is told to prefer it), as Istio's clusters
     * resolve one family by default: a node without an IPv6 route must not see half of its attempts fail on AAAA
     * records no client uses.
     */
    public static final AddressFamily DEFAULT_FAMILY = Boolean.getBoolean("java.net.preferIPv6Addresses")
            ? AddressFamily.V6_PREFERRED : AddressFamily.V4_PREFERRED;

    public AddressFamily family() {
        return family;
    }

    public boolean plainText() {
        return plainText;
    }

    public long startNanos() {
        return startNanos;
    }

    public Duration timeout() {
        return timeout;
    }

    public long sequence() {
        return sequence;
    }

    /** What is left of the deadline, at least 1 ms (timers reject 0). */
    public long remainingMillis() {
        long left = timeout.toMillis() - (System.nanoTime() - startNanos) / 1_000_000;
        return Math.max(1, left);
    }

    /** The prober's hook; called at most once. */
    public void onAbort(Consumer<Abort> handler) {
        this.onAbort = handler;
        if (aborted != null) {
            handler.accept(aborted);
        }
    }

    public void abort(Abort why) {
        if (aborted == null) {
            aborted = why;
            if (onAbort != null) {
                onAbort.accept(why);
            }
        }
    }
}
