package io.egressprobe.cli;

import io.egressprobe.config.Durations;
import java.time.Duration;
import picocli.CommandLine;

/** Command-line durations in the config's form ({@code 200ms}, {@code 1s}). */
final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
    @Override
    public Duration convert(String value) {
        try {
            Duration d = Durations.parse(value);
            if (d.isZero()) {
                throw new CommandLine.TypeConversionException("must be longer than 0");
            }
            return d;
        } catch (IllegalArgumentException e) {
            throw new CommandLine.TypeConversionException(e.getMessage());
        }
    }
}
