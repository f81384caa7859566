package io.egressprobe.daemon;

import io.egressprobe.config.KubernetesSettings;
import io.egressprobe.kube.ApiRequestLog;
import io.egressprobe.kube.PodEventRecorder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.vertx5.Vertx5HttpClientFactory;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides whether the Kubernetes API is used, and builds the one client on the application's Vert.x.
 * {@code enabled: auto} means "when running in a pod": the service-account environment is present.
 */
final class KubernetesAccess implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KubernetesAccess.class);
    private static final int REQUEST_RETRIES = 2;

    private final Vertx vertx;
    private final Map<String, String> env;
    private KubernetesClient client;
    private boolean warnedAboutPod;

    KubernetesAccess(Vertx vertx, Map<String, String> env) {
        this.vertx = vertx;
        this.env = env;
    }

    /** Whether the Kubernetes API is used at all: {@code enabled: true}, or {@code auto} in a pod. */
    boolean enabled(KubernetesSettings settings) {
        return settings.enabled() == KubernetesSettings.Toggle.TRUE
                || settings.enabled() == KubernetesSettings.Toggle.AUTO && env.containsKey("KUBERNETES_SERVICE_HOST");
    }

    /** The probe's own Pod, from the downward API. */
    Optional<PodEventRecorder.PodRef> ownPod() {
        String pod = env.get("POD_NAME");
        String namespace = env.get("POD_NAMESPACE");
        return pod == null || namespace == null ? Optional.empty() : Optional.of(new PodEventRecorder.PodRef(namespace, pod));
    }

    /** The Pod to record events on, if events are wanted and possible. */
    Optional<PodEventRecorder.PodRef> eventPod(KubernetesSettings settings) {
        if (!enabled(settings) || !settings.events()) {
            return Optional.empty();
        }
        Optional<PodEventRecorder.PodRef> pod = ownPod();
        if (pod.isEmpty()) {
            if (!warnedAboutPod) {
                LOG.atWarn().log("Kubernetes events are off: set POD_NAME and POD_NAMESPACE from the downward API");
                warnedAboutPod = true;
            }
            return Optional.empty();
        }
        return pod;
    }

    synchronized KubernetesClient client() {
        if (client == null) {
            Config config = Config.autoConfigure(null);
            // Every read is repeated at the next refresh anyway; fabric8's default of ten backoff retries would
            // keep one read of an API server that is down going for about a minute and a half.
            config.setRequestRetryBackoffLimit(REQUEST_RETRIES);
            client = new KubernetesClientBuilder().withConfig(config)
                    .withHttpClientFactory(new Vertx5HttpClientFactory(vertx))
                    .withHttpClientBuilderConsumer(b -> b.addOrReplaceInterceptor(ApiRequestLog.NAME, new ApiRequestLog()))
                    .build();
        }
        return client;
    }

    @Override
    public synchronized void close() {
        if (client != null) {
            client.close();
        }
    }
}
