package io.egressprobe.demo;

import java.util.Random;
import java.util.function.LongSupplier;

/** A scenario's delays on a real clock, its timeline optionally run {@code speed} times faster. */
final class ScenarioLatency implements LongSupplier {
    private final Scenario scenario;
    private final double speed;
    private final long startNanos = System.nanoTime();
    private final Random random;

    ScenarioLatency(Scenario scenario, double speed, long seed) {
        this.scenario = scenario;
        this.speed = speed;
        this.random = new Random(seed);
    }

    @Override
    public synchronized long getAsLong() {
        double seconds = (System.nanoTime() - startNanos) / 1e9 * speed;
        return scenario.delayMillis(seconds, random);
    }
}
