package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A cluster whose Istio serves DestinationRules only as v1beta1 (before Istio 1.22). */
@EnableKubernetesMockClient
class IstioTimeoutReaderOlderIstioTest {
    static KubernetesClient client;
    static KubernetesMockServer server;
    static final String V1BETA1 = "/apis/networking.istio.io/v1beta1/destinationrules";

    @Test
    void shouldFallBackToAnOlderApiVersionWhenV1IsNotServed() {
        String list = "{\"apiVersion\":\"networking.istio.io/v1beta1\",\"kind\":\"DestinationRuleList\",\"metadata\":"
                + "{\"resourceVersion\":\"1\"},\"items\":[{\"apiVersion\":\"networking.istio.io/v1beta1\",\"kind\":\"DestinationRule\","
                + "\"metadata\":{\"name\":\"a\",\"namespace\":\"n\",\"resourceVersion\":\"1\"},\"spec\":{\"host\":\"a.example.com\","
                + "\"trafficPolicy\":{\"connectionPool\":{\"tcp\":{\"connectTimeout\":\"2s\"}}}}}]}";
        server.expect().get().withPath("/apis/networking.istio.io/v1/destinationrules").andReturn(404, "").always();
        // What the reader asks to find the served version, then what its informer lists and watches.
        server.expect().get().withPath(V1BETA1).andReturn(200, list).always();
        server.expect().get().withPath(V1BETA1 + "?resourceVersion=0").andReturn(200, list).always();
        server.expect().get().withPath(V1BETA1 + "?allowWatchBookmarks=true&resourceVersion=1&timeoutSeconds=600&watch=true")
                .andUpgradeToWebSocket().open().done().always();

        IstioTimeoutReader.Snapshot s = read(new IstioTimeoutReader(client, Optional.empty()));

        assertThat(s.destinationRulesStatus()).doesNotContain("not found");
        assertThat(DestinationRules.connectTimeout(s.destinationRules(), "a.example.com", 443, "n")).contains(Duration.ofSeconds(2));
    }

    /** One read, its informers closed after it. */
    static IstioTimeoutReader.Snapshot read(IstioTimeoutReader reader) {
        try (reader) {
            return reader.read();
        }
    }
}
