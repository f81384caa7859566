package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** An API server that forbids what RBAC did not grant: each source reports it, neither throws. */
@EnableKubernetesMockClient
class IstioTimeoutReaderForbiddenTest {
    static KubernetesClient client;
    static KubernetesMockServer server;

    @Test
    void shouldReportForbiddenSourcesInsteadOfFailing() {
        var forbidden = new StatusBuilder().withCode(403).withReason("Forbidden").withMessage("forbidden").build();
        server.expect().get().withPath("/apis/networking.istio.io/v1/destinationrules").andReturn(403, forbidden).always();
        server.expect().get().withPath("/api/v1/namespaces/istio-system/configmaps/istio").andReturn(403, forbidden).always();

        IstioTimeoutReader.Snapshot s = read(new IstioTimeoutReader(client, Optional.empty()));

        assertThat(s.destinationRules()).isEmpty();
        assertThat(s.destinationRulesStatus()).isEqualTo("unavailable: forbidden (RBAC)");
        assertThat(s.meshConnectTimeout()).isEmpty();
        assertThat(s.meshConfigStatus()).isEqualTo("unavailable: forbidden (RBAC)");
    }

    /** One read, its informers closed after it. */
    static IstioTimeoutReader.Snapshot read(IstioTimeoutReader reader) {
        try (reader) {
            return reader.read();
        }
    }
}
