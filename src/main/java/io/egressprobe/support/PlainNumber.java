package io.egressprobe.support;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * A number for a structured log field, written as a plain decimal: a {@code double} goes to the JSON log through
 * {@link Double#toString}, which turns 0.00012 into {@code 1.2E-4} and 12345678.0 into {@code 1.2345678E7}, unreadable
 * to a person and to some log pipelines. Six decimals: a microsecond in seconds, a millionth of a ratio.
 */
public final class PlainNumber {
    private PlainNumber() {}

    public static BigDecimal of(double value) {
        return BigDecimal.valueOf(value).setScale(6, RoundingMode.HALF_UP);
    }
}
