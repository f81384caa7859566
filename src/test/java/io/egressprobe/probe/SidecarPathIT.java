package io.egressprobe.probe;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.demo.EnvoyLikeProxy;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.FailureReason;
import io.egressprobe.measure.Measurement;
import io.egressprobe.measure.Phase;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.UpstreamSample;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.testing.OneAttempt;
import io.egressprobe.testing.Targets;
import io.egressprobe.testing.TestPki;
import io.vertx.core.Vertx;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sidecar path through a proxy that behaves like Envoy's tcp_proxy at its 1 s connect timeout. */
class SidecarPathIT {
    static final Duration ENVOY_TIMEOUT = Duration.ofSeconds(1);
    @TempDir
    Path dir;
    TestPki pki;
    TlsTargetServer upstream;
    Vertx vertx;
    TlsProber prober;
    EnvoyLikeProxy proxy;

    @BeforeEach
    void setUp() throws Exception {
        this.vertx = MeteredVertx.create(); // the product's Vert.x: it resolves test names from the test hosts file
        pki = new TestPki(dir);
        upstream = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200);
        prober = new TlsProber(vertx, TlsEngine.best());
    }

    @AfterEach
    void tearDown() {
        vertx.close();
        if (proxy != null) {
            proxy.close();
        }
        upstream.close();
    }

    ProbeResult probeThroughProxy(long upstreamConnectDelayMillis) throws Exception {
        proxy = EnvoyLikeProxy.start(InetAddress.getLoopbackAddress(), 0,
                new InetSocketAddress(InetAddress.getLoopbackAddress(), upstream.port()), ENVOY_TIMEOUT,
                () -> upstreamConnectDelayMillis);
        return OneAttempt.run(vertx.getOrCreateContext(), prober, Targets.trusting(pki.caFile, TestPki.HOST, proxy.port()));
    }

    @Test
    void shouldSeeTheSidecarsUpstreamConnectAsTimeToServerHelloAndNotInConnect() throws Exception {
        ProbeResult result = probeThroughProxy(300);

        assertThat(result).isInstanceOf(ProbeResult.Success.class);
        // The proxy's delay starts at accept, a moment before the ClientHello leaves: allow for that moment.
        assertThat(result.timeToServerHello()).hasValueSatisfying(t -> assertThat(t).isGreaterThanOrEqualTo(Duration.ofMillis(300 - 50)));
        assertThat(result.timings().get(Phase.CONNECT).orElseThrow()).as("the local connect").isLessThan(Duration.ofMillis(300));
        Measurement m = Measurement.of(result, ProbePath.SIDECAR, EffectiveTimeout.configured(ENVOY_TIMEOUT));
        assertThat(m.upstream()).contains(new UpstreamSample(result.timeToServerHello().orElseThrow(), false));
    }

    @Test
    void shouldSeeAResetAtTheTimeoutAndCallItEnvoysConnectTimeout() throws Exception {
        ProbeResult result = probeThroughProxy(5000);

        assertThat(result).isInstanceOf(ProbeResult.Failure.class);
        ProbeResult.Failure failure = (ProbeResult.Failure) result;
        assertThat(failure.reason()).as("RST, not FIN: %s", failure.detail()).isEqualTo(FailureReason.RESET);
        assertThat(failure.detail()).contains("Connection reset");
        assertThat(failure.phase()).isEqualTo(Phase.TLS);
        assertThat(proxy.connectTimeouts()).isEqualTo(1);

        Measurement m = Measurement.of(result, ProbePath.SIDECAR, EffectiveTimeout.configured(ENVOY_TIMEOUT));

        assertThat(((ProbeResult.Failure) m.result()).reason()).isEqualTo(FailureReason.ENVOY_CONNECT_TIMEOUT);
        assertThat(m.upstream()).hasValueSatisfying(s -> {
            assertThat(s.censored()).isTrue();
            assertThat(s.value()).isGreaterThanOrEqualTo(ENVOY_TIMEOUT);
        });
    }
}
