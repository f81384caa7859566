package io.egressprobe.daemon;

import io.egressprobe.kube.NodeTopology;
import io.egressprobe.metrics.NodeInfo;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The node's zone and region, read once: a node does not move. Without them the fleet is one zone, said once. */
final class NodeZone {
    private static final Logger LOG = LoggerFactory.getLogger(NodeZone.class);

    private NodeZone() {}

    static void read(Vertx vertx, KubernetesAccess kubernetes, String node, NodeInfo info) {
        vertx.executeBlocking(() -> NodeTopology.read(kubernetes.client(), node), false).onComplete(ar -> {
            if (ar.succeeded()) {
                info.set(ar.result().zone(), ar.result().region());
                LOG.atInfo().addKeyValue("zone", ar.result().zone()).addKeyValue("region", ar.result().region())
                        .log("node {}: zone '{}', region '{}'", node, ar.result().zone(), ar.result().region());
            } else {
                LOG.atWarn().addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                        .log("cannot read node {} ({}): its zone stays unknown", node, ar.cause().getMessage());
            }
        });
    }
}
