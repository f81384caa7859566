package io.egressprobe.demo;

import java.util.Random;
import java.util.function.LongSupplier;

/**
 * Upstream connect delays like a bad day behind a sidecar: most connects fast, some slowed, and a thin
 * tail near 1 s (a lost SYN), part of it beyond a 1 s Envoy connect timeout.
 */
public final class HeavyTailLatency implements LongSupplier {
    private final Random random;

    public HeavyTailLatency(long seed) {
        this.random = new Random(seed);
    }

    @Override
    public synchronized long getAsLong() {
        double u = random.nextDouble();
        if (u < 0.90) {
            return 5 + random.nextInt(35); // 5-40 ms
        }
        if (u < 0.98) {
            return 100 + (long) (Math.abs(random.nextGaussian()) * 200); // a slow path, 0.1-0.7 s
        }
        return 850 + random.nextInt(300); // 0.85-1.15 s: a retransmitted SYN
    }
}
