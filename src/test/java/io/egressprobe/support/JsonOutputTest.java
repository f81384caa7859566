package io.egressprobe.support;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonOutputTest {
    final ObjectMapper json = JsonOutput.mapper();

    @Test
    void shouldWriteNumbersWithoutExponentsInValuesAndInTrees() throws Exception {
        Map<String, Object> value = new LinkedHashMap<>();
        value.put("now", 1.796303225839E9);
        value.put("p50Seconds", 5.0E-5);
        value.put("ratio", 0.25f);
        value.put("count", 12);
        ObjectNode tree = json.createObjectNode().put("sum", 1.0E-7).put("big", 1.0E21);

        assertThat(json.writeValueAsString(value)).isEqualTo("{\"now\":1796303225.839,\"p50Seconds\":0.00005,\"ratio\":0.25,\"count\":12}");
        assertThat(json.writeValueAsString(tree)).isEqualTo("{\"sum\":0.0000001,\"big\":1000000000000000000000}");
    }

    @Test
    void shouldReadBackTheSameDoubles() throws Exception {
        double[] values = {0.1, 1.0 / 3, 123456789.123, 4.9E-324, Double.MAX_VALUE};
        for (double v : values) {
            assertThat(json.readValue(json.writeValueAsString(v), Double.class)).isEqualTo(v);
        }
    }
}
