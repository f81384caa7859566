package io.egressprobe.envoy;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Pattern;

/** Protobuf's JSON form of a Duration: seconds with up to nine fractional digits and an "s" ({@code "0.250s"}). */
public final class ProtoDuration {
    private static final Pattern FORM = Pattern.compile("-?\\d+(\\.\\d{1,9})?s");

    private ProtoDuration() {}

    public static Duration parse(String text) {
        if (text == null || !FORM.matcher(text).matches()) {
            throw new IllegalArgumentException("not a protobuf Duration: " + text);
        }
        BigDecimal seconds = new BigDecimal(text.substring(0, text.length() - 1));
        return Duration.ofNanos(seconds.movePointRight(9).longValueExact());
    }
}
