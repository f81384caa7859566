package io.egressprobe.demo;

import java.time.Duration;
import java.util.Locale;
import java.util.Random;

/**
 * How the demo's upstream connects behave over time: the delay the Envoy-like proxy waits before it
 * connects, drawn per connect as a function of the scenario's clock. Delays are real milliseconds; only
 * the timeline can be compressed (see {@link DemoSetup}), since the 1 s timeout is real too.
 */
public enum Scenario {
    /**
     * Healthy for 30 s, a tail growing towards 1 s for 80 s, cuts for 45 s, then recovery; a 4-minute loop. The window's
     * p99 reaches half the timeout about 45 s before the first cut, so that with {@code for: 15s} the warning leads the
     * cuts by a margin to act on (bench/warning-lead.sh); a 60 s ramp left 24 s, less the hold.
     */
    DEGRADING,
    HEALTHY,
    /**
     * A fixed 3% of connects lose their SYN and land about 1 s late. The sidecar's timeout is 2 s here, so
     * they complete and are counted as lost SYNs; the what-if table shows that a 1 s timeout would cut them.
     */
    SYN_LOSS,
    /** A steady tail with p99 around 0.6 s: warning, never critical. */
    STEADY_SLOW;

    public static final double CYCLE_SECONDS = 240;

    /** The demo sidecar's connect timeout: 1 s, as often set, but 2 s where lost SYNs must be seen completing. */
    public Duration envoyConnectTimeout() {
        return this == SYN_LOSS ? Duration.ofSeconds(2) : Duration.ofSeconds(1);
    }

    /** What the banner promises: only what the scenario's connects do (DemoScenarioTest holds each to its delays). */
    public String story() {
        return switch (this) {
            case DEGRADING -> "Watch the tail grow, the warning, the cuts, the recovery: a cycle every four minutes.";
            case HEALTHY -> "Every connect stays far below the timeout: no alert fires.";
            case SYN_LOSS -> "3% of connects lose a SYN and land about 1 s late, within the 2s timeout: counted as lost SYNs;"
                    + " the what-if table shows that a 1 s timeout would cut them.";
            case STEADY_SLOW -> "A steady tail around 0.6 s: the latency warning fires and stays; no connect is cut.";
        };
    }

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static Scenario fromLabel(String label) {
        for (Scenario s : values()) {
            if (s.label().equals(label)) {
                return s;
            }
        }
        throw new IllegalArgumentException("unknown scenario '" + label + "' (degrading, healthy, syn-loss, steady-slow)");
    }

    /** The delay of one connect at {@code seconds} into the scenario. */
    long delayMillis(double seconds, Random random) {
        long base = 5 + random.nextInt(35);
        return switch (this) {
            case HEALTHY -> base;
            case SYN_LOSS -> random.nextDouble() < 0.03 ? 1000 + base : base;
            case STEADY_SLOW -> random.nextDouble() < 0.05 ? 350 + random.nextInt(300) : base;
            case DEGRADING -> degrading(seconds % CYCLE_SECONDS, base, random);
        };
    }

    private static long degrading(double t, long base, Random random) {
        if (t < 30 || t >= 155) {
            return base;                                    // healthy, then recovery
        }
        if (t < 110) {
            double progress = (t - 30) / 80;                // a tail that grows in share and in length
            double share = 0.02 + 0.13 * progress;
            long slow = (long) (250 + 700 * progress);
            return random.nextDouble() < share ? slow + random.nextInt(60) : base;
        }
        double u = random.nextDouble();                     // the incident, 45 s: one connect in seven is cut
        return u < 0.15 ? 1100 + random.nextInt(300) : u < 0.3 ? 700 + random.nextInt(250) : base;
    }
}
