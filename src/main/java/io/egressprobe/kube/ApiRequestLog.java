package io.egressprobe.kube;

import io.fabric8.kubernetes.client.http.AsyncBody;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.HttpResponse;
import io.fabric8.kubernetes.client.http.Interceptor;
import java.nio.ByteBuffer;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** At DEBUG, every request to the Kubernetes API server with its answer: what an operator checks RBAC and reads by. */
public final class ApiRequestLog implements Interceptor {
    public static final String NAME = "egress-probe-request-log";
    private static final Logger LOG = LoggerFactory.getLogger(ApiRequestLog.class);

    @Override
    public void after(HttpRequest request, HttpResponse<?> response, AsyncBody.Consumer<List<ByteBuffer>> consumer) {
        LOG.atDebug().addKeyValue("method", request.method()).addKeyValue("uri", request.uri().toString())
                .addKeyValue("status", response.code())
                .log("Kubernetes API {} {}: HTTP {}", request.method(), request.uri(), response.code());
    }

    @Override
    public void afterConnectionFailure(HttpRequest request, Throwable failure) {
        LOG.atDebug().addKeyValue("method", request.method()).addKeyValue("uri", request.uri().toString())
                .addKeyValue("error", String.valueOf(failure))
                .log("Kubernetes API {} {}: no answer ({})", request.method(), request.uri(), failure.toString());
    }
}
