package io.egressprobe.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The stand-in sidecar's buckets are the ones the chart's DaemonSet asks Envoy for. */
class DaemonSetBucketsTest {
    @Test
    void shouldCountTheStandInsConnectsInTheDaemonSetsBuckets() throws Exception {
        String daemonSet = Files.readString(Path.of("charts/egress-probe/templates/daemonset.yaml"));
        Matcher m = Pattern.compile("sidecar\\.istio\\.io/statsHistogramBuckets: '(.*)'").matcher(daemonSet);
        assertThat(m.find()).as("the DaemonSet's statsHistogramBuckets annotation").isTrue();
        List<?> bounds = (List<?>) new ObjectMapper().readValue(m.group(1), java.util.Map.class).get("cluster.");

        assertThat(bounds.stream().map(b -> ((Number) b).doubleValue()).toList())
                .containsExactlyElementsOf(java.util.Arrays.stream(EnvoyAdminJson.DAEMONSET_BUCKETS).boxed().toList());
    }
}
