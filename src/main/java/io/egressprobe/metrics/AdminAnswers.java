package io.egressprobe.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * How large the sidecar's admin API answers are, beside the limit past which the daemon stops reading one: an answer that
 * grows with the mesh (a sidecar without {@code Sidecar} scoping, an Envoy that ignores {@code name_regex}) shows here
 * before it reaches the limit. One series per kind of answer and one for the limit; no target label.
 */
public final class AdminAnswers {
    private AdminAnswers() {}

    /** @param bytes the last answer's size per kind ({@code listeners}, {@code route_configs}, {@code clusters}, {@code stats}) */
    public static void register(MeterRegistry registry, List<String> kinds, Supplier<Map<String, Long>> bytes, long limit) {
        for (String kind : kinds) {
            Gauge.builder(MetricNames.ENVOY_ADMIN_ANSWER_BYTES, () -> bytes.get().getOrDefault(kind, 0L))
                    .description("Bytes of the sidecar's last admin API answer of this kind, as far as it was read")
                    .baseUnit("bytes").tag(MetricNames.RESOURCE, kind).register(registry);
        }
        Gauge.builder(MetricNames.ENVOY_ADMIN_ANSWER_LIMIT, () -> limit)
                .description("The size past which an admin API answer is cut off (envoy.answerLimit)")
                .baseUnit("bytes").register(registry);
    }
}
