package io.egressprobe.notify;

import io.egressprobe.window.WindowStats;
import java.time.Duration;

/**
 * The window's numbers behind an alert transition, as every receiver gets them: the webhook's {@code window} object
 * and each alert of {@code /api/v1/alerts}. Absent values are null (and left out of the JSON).
 */
public record AlertWindow(int count, Double p99Seconds, Double p999Seconds, double utilization, int exceeded,
                          int retransmitSuspected, int synLossConnects, String synLossSource, int attempts,
                          double failureRatio, double timeoutSeconds, String timeoutSource, Double recommendedTimeoutSeconds) {

    public static AlertWindow of(WindowStats s) {
        return new AlertWindow(s.count(), s.quantiles().map(q -> seconds(q.p99())).orElse(null),
                s.quantiles().map(q -> seconds(q.p999())).orElse(null), s.utilization(), s.exceededCount(),
                s.retransmitSuspected(), s.synLosses().connects(), s.synLosses().source().label(), s.attempts().total(),
                s.attempts().failureRatio(), s.timeout().seconds(), s.timeout().source().label(),
                s.recommendation().map(r -> seconds(r.timeout())).orElse(null));
    }

    private static double seconds(Duration d) {
        return d.toNanos() / 1e9;
    }
}
