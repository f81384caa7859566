package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** A cluster whose Istio serves DestinationRules only as v1beta1 (before Istio 1.22). */
@EnableKubernetesMockClient
class IstioTimeoutReaderOlderIstioTest {
    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void shouldFallBackToAnOlderApiVersionWhenV1IsNotServed() {
        server.expect().get().withPath("/apis/networking.istio.io/v1/destinationrules").andReturn(404, "").always();
        server.expect().get().withPath("/apis/networking.istio.io/v1beta1/destinationrules")
                .andReturn(200, "{\"apiVersion\":\"networking.istio.io/v1beta1\",\"kind\":\"DestinationRuleList\",\"items\":["
                        + "{\"apiVersion\":\"networking.istio.io/v1beta1\",\"kind\":\"DestinationRule\",\"metadata\":{\"name\":\"a\","
                        + "\"namespace\":\"n\"},\"spec\":{\"host\":\"a.example.com\",\"trafficPolicy\":{\"connectionPool\":"
                        + "{\"tcp\":{\"connectTimeout\":\"2s\"}}}}}]}").always();

        IstioTimeoutReader.Snapshot s = new IstioTimeoutReader(client, Optional.empty()).read();

        assertThat(s.destinationRulesStatus()).isEqualTo("ok");
        assertThat(DestinationRules.connectTimeout(s.destinationRules(), "a.example.com", 443, "n"))
                .contains(java.time.Duration.ofSeconds(2));
    }
}
