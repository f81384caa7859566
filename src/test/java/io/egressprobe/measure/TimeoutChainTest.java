package io.egressprobe.measure;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class TimeoutChainTest {
    static final Optional<EffectiveTimeout> ADMIN = Optional.of(new EffectiveTimeout(Duration.ofMillis(750),
            TimeoutSource.ENVOY_ADMIN, Optional.of("outbound|443||a.example.com")));
    static final Optional<Duration> CONFIG = Optional.of(Duration.ofSeconds(3));
    static final Optional<Duration> RULE = Optional.of(Duration.ofSeconds(1));
    static final Optional<Duration> MESH = Optional.of(Duration.ofSeconds(5));
    static final Optional<Duration> NONE = Optional.empty();

    @Test
    void shouldTakeTheFirstSourceThatAnswersInDesignOrder() {
        assertThat(TimeoutChain.resolve(ADMIN, CONFIG, RULE, MESH)).isEqualTo(ADMIN.get());
        assertThat(TimeoutChain.resolve(Optional.empty(), CONFIG, RULE, MESH).source()).isEqualTo(TimeoutSource.CONFIG);
        EffectiveTimeout rule = TimeoutChain.resolve(Optional.empty(), NONE, RULE, MESH);
        assertThat(rule.source()).isEqualTo(TimeoutSource.DESTINATION_RULE);
        assertThat(rule.value()).isEqualTo(Duration.ofSeconds(1));
        EffectiveTimeout mesh = TimeoutChain.resolve(Optional.empty(), NONE, NONE, MESH);
        assertThat(mesh.source()).isEqualTo(TimeoutSource.MESH_CONFIG);
        assertThat(mesh.value()).isEqualTo(Duration.ofSeconds(5));
        assertThat(TimeoutChain.resolve(Optional.empty(), NONE, NONE, NONE)).isEqualTo(EffectiveTimeout.ISTIO_DEFAULT);
    }
}
