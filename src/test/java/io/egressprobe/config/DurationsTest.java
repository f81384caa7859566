package io.egressprobe.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class DurationsTest {
    @ParameterizedTest
    @CsvSource({"250ms, 250", "1s, 1000", "1.5s, 1500", "0.250s, 250", "5m, 300000", "1h, 3600000", "10ms, 10"})
    void shouldParseConfigDurations(String text, long millis) {
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "1 s", "-1s", "1d", "1s500ms", "fast"})
    void shouldRejectWhatIsNotADuration(String text) {
        assertThatThrownBy(() -> Durations.parse(text)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a duration");
    }

    @ParameterizedTest
    @CsvSource({"250, 250ms", "1000, 1s", "1500, 1.5s", "300000, 5m", "3600000, 1h", "0, 0s"})
    void shouldFormatTheShortestForm(long millis, String text) {
        assertThat(Durations.format(Duration.ofMillis(millis))).isEqualTo(text);
        assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    }
}
