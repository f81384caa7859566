package io.egressprobe.envoy;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;

/**
 * Is there a sidecar, and is it ready? Asks the pilot-agent's readiness endpoint (15021
 * {@code /healthz/ready}) and then Envoy's admin {@code /ready}: any HTTP answer means a sidecar is there;
 * 200 means it is ready; no answer from either means there is none.
 */
public final class SidecarCheck {
    public enum State { ABSENT, STARTING, READY }

    private static final long TIMEOUT_MILLIS = 1000;
    private final URI readyUrl;
    private final URI adminReadyUrl;
    private final HttpClientAgent client;

    public SidecarCheck(Vertx vertx, URI readyUrl, URI adminUrl) {
        this.readyUrl = readyUrl;
        String admin = adminUrl.toString();
        this.adminReadyUrl = URI.create((admin.endsWith("/") ? admin : admin + "/") + "ready");
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout((int) TIMEOUT_MILLIS));
    }

    public Future<State> check() {
        return ask(readyUrl).recover(noAnswer -> ask(adminReadyUrl)).recover(noAnswer -> Future.succeededFuture(State.ABSENT));
    }

    private Future<State> ask(URI url) {
        return client.request(new RequestOptions().setMethod(HttpMethod.GET).setAbsoluteURI(url.toString())
                        .setTimeout(TIMEOUT_MILLIS))
                .compose(request -> request.send())
                .compose(response -> response.body().map(body -> response.statusCode() == 200 ? State.READY : State.STARTING));
    }

    public Future<Void> close() {
        return client.close();
    }
}
