package io.egressprobe.kube;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The node's zone and region from the API server (the fabric8 mock in CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class NodeTopologyTest {
    static KubernetesClient client;

    @Test
    void shouldReadTheZoneAndRegionLabelsOfTheNode() {
        client.nodes().resource(new NodeBuilder().withNewMetadata().withName("node-1")
                .withLabels(Map.of("topology.kubernetes.io/zone", "eu-west-1b", "topology.kubernetes.io/region", "eu-west-1"))
                .endMetadata().build()).create();

        assertThat(NodeTopology.read(client, "node-1")).isEqualTo(new NodeTopology("eu-west-1b", "eu-west-1"));
    }

    @Test
    void shouldFallBackToThePreKubernetes117LabelsAndToEmpty() {
        assertThat(NodeTopology.of(Map.of("failure-domain.beta.kubernetes.io/zone", "us-east-1a"))).isEqualTo(new NodeTopology("us-east-1a", ""));
        assertThat(NodeTopology.of(null)).isEqualTo(NodeTopology.UNKNOWN);
    }

    @Test
    void shouldSayWhenTheNodeIsNotThere() {
        assertThatThrownBy(() -> NodeTopology.read(client, "nowhere")).hasMessage("node nowhere not found");
    }
}
