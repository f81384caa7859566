package io.egressprobe.probe;

import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Event-loop contexts to spread targets over, so TLS handshakes use every event loop. Each is the context of
 * an otherwise empty verticle instance: the public way to get one context per event loop.
 */
public final class EventLoops {
    private final List<Context> contexts;
    private final String deploymentId;

    private EventLoops(List<Context> contexts, String deploymentId) {
        this.contexts = List.copyOf(contexts);
        this.deploymentId = deploymentId;
    }

    public static Future<EventLoops> deploy(Vertx vertx, int count) {
        List<Context> contexts = new CopyOnWriteArrayList<>();
        return vertx.deployVerticle(() -> new VerticleBase() {
                    @Override
                    public Future<?> start() {
                        contexts.add(context);
                        return Future.succeededFuture();
                    }
                }, new DeploymentOptions().setInstances(count))
                .map(id -> new EventLoops(contexts, id));
    }

    /** The same name always gets the same context. */
    public Context forKey(String key) {
        return contexts.get(Math.floorMod(key.hashCode(), contexts.size()));
    }

    public Future<Void> undeploy(Vertx vertx) {
        return vertx.undeploy(deploymentId);
    }
}
