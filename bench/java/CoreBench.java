import io.egressprobe.config.*;
import io.egressprobe.measure.*;
import io.egressprobe.target.TargetCore;
import java.time.*;
import java.util.*;

/**
 * What a target's core costs the daemon at 1,000 targets: each second one attempt per target (record, with its
 * lost-SYN judgement), one judgement per target (the alert loop's pace) and, every 15 s, a scrape's three reads of the
 * statistics; the window statistics are computed at most once per snapshot that someone reads. Run by bench/core.sh.
 */
public final class CoreBench {
    /** A clock the bench moves by hand: the core takes time from its clock only. */
    static final class StepClock extends Clock {
        private Instant now;

        StepClock(Instant start) {
            now = start;
        }

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    public static void main(String[] a) {
        StepClock clock = new StepClock(Instant.parse("2026-12-06T00:00:00Z"));
        int n = 1000;
        List<TargetCore> cores = new ArrayList<>();
        EffectiveTimeout t = EffectiveTimeout.configured(Duration.ofSeconds(1));
        for (int i = 0; i < n; i++) {
            Target target = new Target("t" + i, "h" + i, 443, "h" + i, TlsSettings.DEFAULT, Optional.empty(),
                    new ProbeSettings(Duration.ofSeconds(1), Duration.ofSeconds(15), Duration.ofMinutes(10), Optional.empty(),
                            Thresholds.DEFAULT, 50, Duration.ofMinutes(1), 2), Map.of());
            TargetCore c = new TargetCore(clock, target, ProbePath.SIDECAR, 8);
            c.setTimeout(t);
            cores.add(c);
        }
        Random r = new Random(1);
        long computed = 0;
        double sink = 0;
        for (int round = 0; round < 1000; round++) {
            long start = System.nanoTime();
            for (TargetCore c : cores) {
                Duration d = Duration.ofMillis(5 + r.nextInt(50));
                c.record(new ProbeResult.Success(PhaseTimings.of(Map.of(Phase.CONNECT, d)), d, Optional.of(d), Optional.empty(),
                        new TlsFacts("TLSv1.3", "x", Optional.empty()), Optional.empty()), Optional.of(new UpstreamSample(d, false)),
                        false, Optional.empty());
                clock.advance(Duration.ofMillis(1));
            }
            for (TargetCore c : cores) {
                c.judge(clock.instant());
            }
            if (round % 15 == 0) {
                for (TargetCore c : cores) {
                    sink += c.snapshot().stats().utilization() + c.snapshot().stats().exceededRatio()
                            + c.snapshot().stats().count();
                }
            }
            long took = System.nanoTime() - start;
            if (round >= 700 && round % 50 == 0) {
                System.out.printf("round %d: %.1f ms%n", round, took / 1e6);
            }
            if (round == 700) computed = System.nanoTime();
        }
        System.out.printf("rounds 700-999: %.1f ms per simulated second (1,000 attempts, 1,000 judgements, a scrape every 15)%n",
                (System.nanoTime() - computed) / 1e6 / 299);
        if (sink == 42) System.out.println();
    }
}
