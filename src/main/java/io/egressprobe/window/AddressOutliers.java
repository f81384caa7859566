package io.egressprobe.window;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.function.ToIntFunction;

/**
 * The address of a target that carries a problem the others do not: the advice names it, and only it has series of its
 * own. An address stands out only on evidence, not on one unlucky attempt:
 * <ul>
 *   <li>at least {@value #MIN_EVENTS} of its attempts failed (or were cut): one failure in five is what a 5% failure
 *   rate spread over the addresses gives any one address 23% of the time (1 − 0.95⁵), three in five 0.1%;</li>
 *   <li>that many are unlikely to come from the others' rate: the chance of at least as many failures in its attempts
 *   at the others' failure share (at least {@value #FLOOR_SHARE}, so that others without a failure do not make any
 *   failure significant) is below {@value #SIGNIFICANCE} (the binomial tail);</li>
 *   <li>and the difference matters: its share is at least twice the others' and 10 points above it.</li>
 * </ul>
 * A p99 stands out at twice the others' highest p99, held by at least {@value #MIN_EVENTS} of its connects (its third
 * slowest reaches it too): over fewer than a hundred samples the p99 is the slowest one, a single lost SYN. Pure.
 */
public final class AddressOutliers {
    /** The fewest failures, cuts or slow connects that can make an address stand out. */
    public static final int MIN_EVENTS = 3;
    /** The binomial tail below which the address's failures are not the others' rate by chance. */
    public static final double SIGNIFICANCE = 0.01;
    /** The others' failure share assumed at least: a few of theirs may be yet to come. */
    public static final double FLOOR_SHARE = 0.01;

    private AddressOutliers() {}

    /** The address whose failures stand out, where one does (two addresses at least). */
    public static Optional<AddressWindow.Stats> byFailures(List<AddressWindow.Stats> addresses) {
        return byCount(addresses, AddressWindow.Stats::failures);
    }

    /** The address whose attempts the timeout cut, where the others' were not. */
    public static Optional<AddressWindow.Stats> byCuts(List<AddressWindow.Stats> addresses) {
        return byCount(addresses, AddressWindow.Stats::cut);
    }

    /** The address whose p99 stands out, where one does. */
    public static Optional<AddressWindow.Stats> byP99(List<AddressWindow.Stats> addresses) {
        if (addresses.size() < 2) {
            return Optional.empty();
        }
        AddressWindow.Stats worst = addresses.stream().max(Comparator.comparing(a -> a.p99().orElse(Duration.ZERO))).orElseThrow();
        if (worst.p99().isEmpty() || worst.thirdSlowest().isEmpty()) {
            return Optional.empty();
        }
        Duration restP99 = restP99(addresses, worst);
        // Its p99, as far as three of its connects reach it.
        Duration held = worst.p99().get().compareTo(worst.thirdSlowest().get()) < 0 ? worst.p99().get() : worst.thirdSlowest().get();
        return restP99.compareTo(Duration.ZERO) > 0 && held.compareTo(restP99.multipliedBy(2)) >= 0
                ? Optional.of(worst) : Optional.empty();
    }

    /** The highest p99 of the addresses other than {@code one}. */
    public static Duration restP99(List<AddressWindow.Stats> addresses, AddressWindow.Stats one) {
        return addresses.stream().filter(a -> a != one).map(a -> a.p99().orElse(Duration.ZERO))
                .max(Duration::compareTo).orElse(Duration.ZERO);
    }

    private static Optional<AddressWindow.Stats> byCount(List<AddressWindow.Stats> addresses, ToIntFunction<AddressWindow.Stats> events) {
        if (addresses.size() < 2) {
            return Optional.empty();
        }
        AddressWindow.Stats worst = addresses.stream().max(Comparator.comparingDouble(a -> share(events, a))).orElseThrow();
        int restAttempts = 0;
        int restEvents = 0;
        for (AddressWindow.Stats a : addresses) {
            if (a != worst) {
                restAttempts += a.attempts();
                restEvents += events.applyAsInt(a);
            }
        }
        double rest = restAttempts == 0 ? 0 : (double) restEvents / restAttempts;
        double share = share(events, worst);
        int k = events.applyAsInt(worst);
        boolean stands = k >= MIN_EVENTS && share >= 2 * rest && share - rest >= 0.1
                && atLeast(worst.attempts(), k, Math.max(rest, FLOOR_SHARE)) < SIGNIFICANCE;
        return stands ? Optional.of(worst) : Optional.empty();
    }

    private static double share(ToIntFunction<AddressWindow.Stats> events, AddressWindow.Stats a) {
        return a.attempts() == 0 ? 0 : (double) events.applyAsInt(a) / a.attempts();
    }

    /** P(X ≥ k) for X binomial(n, p): one minus the terms below k, each from the one before. */
    static double atLeast(int n, int k, double p) {
        if (k <= 0) {
            return 1;
        }
        if (p >= 1) {
            return 1;
        }
        double term = Math.pow(1 - p, n);
        double below = 0;
        for (int i = 0; i < k && i <= n; i++) {
            below += term;
            term *= (double) (n - i) / (i + 1) * p / (1 - p);
        }
        return Math.max(0, 1 - below);
    }
}
