package io.egressprobe.testing;

import io.egressprobe.alert.Advice;
import io.egressprobe.alert.AlertName;
import io.egressprobe.alert.AlertPolicy;
import io.egressprobe.alert.Level;
import io.egressprobe.alert.Transition;
import io.egressprobe.config.AlertingSettings;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.notify.Notification;
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import io.egressprobe.window.WindowStats;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Optional;

/** Notifications as the alert loop makes them, from a window with a slow tail. */
public final class Alerts {
    private Alerts() {}

    public static WindowStats slowTail(Clock clock) {
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 200);
        for (int i = 0; i < 95; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(20), false));
        }
        for (int i = 0; i < 5; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(900), false));
        }
        return WindowStatistics.compute(w.snapshot(), EffectiveTimeout.configured(Duration.ofSeconds(1)), ProbePath.DIRECT, 2);
    }

    public static Notification notification(String target, Level from, Level to, Instant at, Instant since) {
        Transition t = new Transition(target, AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, from, to, at, since,
                slowTail(Clock.fixed(at, ZoneOffset.UTC)), AlertPolicy.of(ProbeSettings.BUILT_IN));
        return new Notification(t, target + ".example.com", 443, "node-1", ProbePath.SIDECAR,
                Advice.of(t, target + ".example.com", 443, Optional.empty()), AlertingSettings.SHIPPED_RUNBOOK);
    }
}
