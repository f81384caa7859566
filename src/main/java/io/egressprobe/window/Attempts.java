package io.egressprobe.window;

import io.egressprobe.measure.FailureReason;
import java.time.Instant;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;
import java.util.stream.Collectors;

/**
 * Every attempt of a window, whether it produced a latency sample or not: a refused, unresolvable or
 * badly certified target has no latency at all, and only this says it is down.
 *
 * @param total            attempts in the window
 * @param failed           how many of them failed, for any reason
 * @param failuresByReason the failures by reason; reasons that did not occur are absent
 * @param first            when the oldest attempt in the window ended
 * @param last             when the newest ended
 * @param lastFailed       whether the newest failed
 * @param lastSuccess      when the newest successful attempt ended; empty if none in the window
 * @param ownPauses        completed connects timed across a pause of our own, whose samples were left out
 */
public record Attempts(int total, int failed, Map<FailureReason, Integer> failuresByReason, Optional<Instant> first,
                       Optional<Instant> last, boolean lastFailed, Optional<Instant> lastSuccess, int ownPauses) {
    public static final Attempts NONE = new Attempts(0, 0, Map.of(), Optional.empty(), Optional.empty(), false,
            Optional.empty(), 0);

    public Attempts {
        failuresByReason = Map.copyOf(failuresByReason);
    }

    public double failureRatio() {
        return total == 0 ? 0 : (double) failed / total;
    }

    /** Failures other than cuts at a connect timeout (those are latency, judged on their own). */
    public int failedOtherThanCuts() {
        return failed - failuresByReason.entrySet().stream().filter(e -> e.getKey().isCut()).mapToInt(Map.Entry::getValue).sum();
    }

    public double failureRatioOtherThanCuts() {
        return total == 0 ? 0 : (double) failedOtherThanCuts() / total;
    }

    /** The failures by reason in words, for people: "refused 12, dns 3"; "none" without any. */
    public String failuresInWords() {
        return failuresByReason.isEmpty() ? "none" : failuresByReason.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey().label() + " " + e.getValue()).collect(Collectors.joining(", "));
    }

    /** The most frequent reason, the first in {@link FailureReason}'s order on a tie. */
    public Optional<FailureReason> dominantReason() {
        return dominantReason(r -> true);
    }

    /** The most frequent of the reasons {@code which} accepts. */
    public Optional<FailureReason> dominantReason(Predicate<FailureReason> which) {
        return failuresByReason.entrySet().stream().filter(e -> which.test(e.getKey()))
                .max(Comparator.<Map.Entry<FailureReason, Integer>>comparingInt(Map.Entry::getValue)
                        .thenComparing(e -> -e.getKey().ordinal()))
                .map(Map.Entry::getKey);
    }

    /**
     * Whether every attempt since {@code since} failed: the window reaches back that far, at least one
     * attempt ended after it, and none of those succeeded.
     */
    public boolean allFailedSince(Instant since) {
        return total > 0 && !first.orElseThrow().isAfter(since) && !last.orElseThrow().isBefore(since) && lastFailed
                && lastSuccess.map(s -> s.isBefore(since)).orElse(true);
    }
}
