package io.egressprobe.window;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The addresses of one target's window, each as a small index that the window's ring keeps per attempt (a byte, not
 * an object per attempt): "one load-balancer IP in one zone times out" is invisible once addresses rotate into one
 * distribution. Bounded: the first {@code limit} addresses seen in the window each have an index of their own, the rest
 * share {@link #OTHERS}; an index whose attempts have all left the ring is given to the next new address. Not
 * thread-safe: {@link SampleWindow} uses it under its own lock.
 */
public final class AddressWindow {
    /** The shared view of the addresses beyond the limit. */
    public static final String OTHERS = "other";
    /** An attempt without an address (it never chose one: DNS failed). */
    static final byte NONE = -1;
    /** Bound of {@code metrics.addressesPerTarget}: an index and {@link #OTHERS} fit a byte. */
    public static final int MAX_LIMIT = 126;

    private final int limit;
    /** Index to address; {@code names[limit]} is {@link #OTHERS}. */
    private final String[] names;
    /** Attempts in the ring per index. */
    private final int[] live;
    private final Map<String, Integer> indexes = new HashMap<>();

    /**
     * One address over the window; {@code p99} of its samples (cut ones at their elapsed time), empty without any;
     * {@code thirdSlowest} the third highest of them, empty with fewer than three.
     */
    public record Stats(String address, int attempts, int failures, int cut, Optional<Duration> p99,
                        Optional<Duration> thirdSlowest) {
        public Stats(String address, int attempts, int failures, int cut, Optional<Duration> p99) {
            this(address, attempts, failures, cut, p99, Optional.empty());
        }

        public double failureRatio() {
            return attempts == 0 ? 0 : (double) failures / attempts;
        }
    }

    AddressWindow(int limit) {
        if (limit < 0 || limit > MAX_LIMIT) {
            throw new IllegalArgumentException("limit must be 0 to " + MAX_LIMIT);
        }
        this.limit = limit;
        this.names = new String[limit + 1];
        this.live = new int[limit + 1];
        names[limit] = OTHERS;
    }

    /** The index of an attempt to {@code address} entering the ring. */
    byte add(String address) {
        Integer known = indexes.get(address);
        int index = known != null ? known : free();
        if (known == null && index < limit) {
            if (names[index] != null) {
                indexes.remove(names[index]);
            }
            names[index] = address;
            indexes.put(address, index);
        }
        live[index]++;
        return (byte) index;
    }

    /** An attempt of {@code index} left the ring. */
    void remove(byte index) {
        if (index != NONE) {
            live[index]--;
        }
    }

    /** Indexes {@code 0..size()-1}, {@link #OTHERS} the last. */
    int size() {
        return limit + 1;
    }

    String name(int index) {
        return names[index];
    }

    /** An own index none of the ring's attempts holds, else {@link #OTHERS}'. */
    private int free() {
        for (int i = 0; i < limit; i++) {
            if (live[i] == 0) {
                return i;
            }
        }
        return limit;
    }
}
