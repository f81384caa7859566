package io.egressprobe.testing;

import io.egressprobe.demo.EnvoyLikeProxy;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * A pod's sidecar as the tests stand it in: an Envoy-like proxy in front of a loopback target that cuts upstream
 * connects at 1 s, and an admin API on its own Vert.x that reports that timeout for the proxy's cluster of
 * {@code host}. Closing stops both.
 */
public final class Sidecar implements AutoCloseable {
    private final EnvoyLikeProxy proxy;
    private final Vertx vertx;
    private final FakeEnvoyAdmin admin;

    private Sidecar(EnvoyLikeProxy proxy, Vertx vertx, FakeEnvoyAdmin admin) {
        this.proxy = proxy;
        this.vertx = vertx;
        this.admin = admin;
    }

    /** @param upstreamDelayMillis what each upstream connect waits first, as the proxy asks it per connection */
    public static Sidecar start(int targetPort, String host, LongSupplier upstreamDelayMillis) throws Exception {
        EnvoyLikeProxy proxy = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), targetPort), Duration.ofSeconds(1), upstreamDelayMillis);
        Vertx vertx = Vertx.vertx();
        return new Sidecar(proxy, vertx, FakeEnvoyAdmin.start(vertx,
                FakeEnvoyAdmin.dumpWith("outbound|" + proxy.port() + "||" + host, "1s")));
    }

    /** Where the probe connects: the proxy's port, which is also the port of its cluster's name. */
    public int port() {
        return proxy.port();
    }

    public FakeEnvoyAdmin admin() {
        return admin;
    }

    /** The daemon's {@code mode} and {@code envoy} settings for this sidecar, re-read every second. */
    public String config() {
        return """
                mode: sidecar
                envoy: { adminUrl: "http://127.0.0.1:%d", readyUrl: "http://127.0.0.1:%d/ready", refresh: 1s }
                """.formatted(admin.port(), admin.port());
    }

    @Override
    public void close() throws ExecutionException, TimeoutException {
        proxy.close();
        Stop.await(vertx.close(), Duration.ofSeconds(10));
    }
}
