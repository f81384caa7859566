package io.egressprobe.notify;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import io.egressprobe.window.SampleWindow;
import io.egressprobe.window.WindowStatistics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** The alert's log line carries its numbers as plain decimals: Double.toString writes 2.0E-4 for a small ratio. */
class LogNotifierTest {
    @Test
    void shouldLogRatiosAndSecondsAsPlainDecimals() throws Exception {
        Instant at = Instant.parse("2026-11-26T12:00:00Z");
        Clock clock = Clock.fixed(at, ZoneOffset.UTC);
        SampleWindow w = new SampleWindow(clock, Duration.ofMinutes(10), 200);
        for (int i = 0; i < 100; i++) {
            w.recordSuccess(new UpstreamSample(Duration.ofMillis(20), false));
        }
        // p99 20 ms of a 100 s timeout: utilization 0.0002
        var stats = WindowStatistics.compute(w.snapshot(), EffectiveTimeout.configured(Duration.ofSeconds(100)), ProbePath.DIRECT, 2);
        Transition t = new Transition("identity", AlertName.EGRESS_CONNECT_LATENCY_NEAR_TIMEOUT, Level.WARNING, Level.OK, at, at,
                stats, AlertPolicy.of(ProbeSettings.BUILT_IN));
        Notification n = new Notification(t, "identity.example.com", 443, "node-1", ProbePath.DIRECT,
                Advice.of(t, "identity.example.com", 443, Optional.empty()), AlertingSettings.SHIPPED_RUNBOOK);
        Logger logger = (Logger) LoggerFactory.getLogger("io.egressprobe.alerts");
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        ch.qos.logback.classic.Level before = logger.getLevel();
        logger.setLevel(ch.qos.logback.classic.Level.INFO);
        try {
            new LogNotifier().send(n);
        } finally {
            logger.detachAppender(events);
            logger.setLevel(before);
        }

        Map<String, Object> fields = events.list.get(0).getKeyValuePairs().stream()
                .collect(Collectors.toMap(kv -> kv.key, kv -> kv.value == null ? "" : kv.value));
        ObjectMapper json = new ObjectMapper();
        assertThat(json.writeValueAsString(fields.get("utilization"))).isEqualTo("0.000200");
        assertThat(json.writeValueAsString(fields.get("timeoutSeconds"))).isEqualTo("100.000000");
    }
}
