package io.egressprobe.support;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.JsonGeneratorDelegate;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;

/**
 * The one way JSON is written for people and their tools (the API, the webhook, Alertmanager, {@code check}): numbers
 * in plain decimal notation. Java's and Jackson's default writes 5.0E-5 s and 1.7963E9 for the epoch, which jq, Grafana
 * and most eyes read, but many a hand-written parser and alert template does not.
 */
public final class JsonOutput {
    private JsonOutput() {}

    public static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .enable(StreamWriteFeature.WRITE_BIGDECIMAL_AS_PLAIN)
                .addDecorator((f, generator) -> new JsonGeneratorDelegate(generator, true) {
                    @Override
                    public void writeNumber(double v) throws IOException {
                        if (Double.isFinite(v)) {
                            // The shortest decimal that reads back as v, as Double.toString chooses, without its exponent.
                            super.writeNumber(BigDecimal.valueOf(v).stripTrailingZeros());
                        } else {
                            super.writeNumber(v);
                        }
                    }

                    @Override
                    public void writeNumber(float v) throws IOException {
                        writeNumber(Double.parseDouble(Float.toString(v)));
                    }
                })
                .build();
        return new ObjectMapper(factory);
    }
}
