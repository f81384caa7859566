package io.egressprobe.testing;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.dsl.base.CustomResourceDefinitionContext;
import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.http.Dispatcher;
import io.fabric8.mockwebserver.http.MockResponse;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.net.InetAddress;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * The fabric8 mock API server in CRUD mode that authorizes as a real API server does: a request bearing the probe's
 * ServiceAccount token ({@link #TOKEN}) is mapped to its Kubernetes verb ({@link ApiRequest}), recorded, and answered
 * 403 with the API server's own Status unless the grant allows it ({@link RbacGrant}); the test's own client
 * ({@link #admin()}) is unrestricted and not recorded. DestinationRules and ServiceEntries are served as
 * {@code networking.istio.io/v1}.
 */
public final class RbacApiServer implements AutoCloseable {
    public static final String TOKEN = "egress-probe-service-account-token";
    public static final String SERVICE_ACCOUNT = "system:serviceaccount:egress-probe:egress-probe";

    private final KubernetesMockServer server;
    private final List<ApiRequest> requests = new CopyOnWriteArrayList<>();
    private final List<ApiRequest> denied = new CopyOnWriteArrayList<>();
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final KubernetesClient admin;
    private volatile RbacGrant grant;

    private RbacApiServer(RbacGrant grant) {
        this.grant = grant;
        KubernetesCrudDispatcher crud = new KubernetesCrudDispatcher(List.of(crd("DestinationRule", "destinationrules"),
                crd("ServiceEntry", "serviceentries"), crd("VirtualService", "virtualservices")));
        server = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(), new Dispatcher() {
            @Override
            public MockResponse dispatch(RecordedRequest request) {
                if (("Bearer " + TOKEN).equals(request.getHeader("Authorization"))) {
                    ApiRequest info = ApiRequest.of(request.getMethod(), request.getPath());
                    requests.add(info);
                    lines.add(request.getMethod() + " " + request.getPath());
                    if (!RbacApiServer.this.grant.allows(info)) {
                        denied.add(info);
                        return forbidden(info);
                    }
                }
                return crud.dispatch(request);
            }

            @Override
            public void shutdown() {
                crud.shutdown();
            }
        }, false);
        server.init(InetAddress.getLoopbackAddress(), 0);
        admin = server.createClient();
    }

    public static RbacApiServer start(RbacGrant grant) {
        return new RbacApiServer(grant);
    }

    /** The API server's URL, for {@code -Dkubernetes.master}. */
    public String url() {
        return "http://" + server.getHostName() + ":" + server.getPort();
    }

    /** The test's own client: every request allowed, none recorded. */
    public KubernetesClient admin() {
        return admin;
    }

    /** A client as the daemon builds one in its pod: the ServiceAccount's token, few retries. */
    public KubernetesClient serviceAccountClient() {
        Config config = new ConfigBuilder(Config.empty()).withMasterUrl(url()).withOauthToken(TOKEN)
                .withRequestRetryBackoffLimit(2).build();
        return new KubernetesClientBuilder().withConfig(config).build();
    }

    /** Every request the ServiceAccount made, in order. */
    public List<ApiRequest> requests() {
        return List.copyOf(requests);
    }

    /** The ServiceAccount's requests as sent ({@code METHOD path?query}), for messages. */
    public List<String> requestLines() {
        return List.copyOf(lines);
    }

    /** The requests that were answered 403. */
    public List<ApiRequest> denied() {
        return List.copyOf(denied);
    }

    /** From now on, this grant decides. */
    public void grant(RbacGrant grant) {
        this.grant = grant;
    }

    public void forget() {
        requests.clear();
        denied.clear();
        lines.clear();
    }

    /**
     * The mock server waits 10 s for its connections to end; on a loaded machine a watch the client has just closed can
     * outlast that, which says nothing of the code under test: the server is stopped either way.
     */
    @Override
    public void close() {
        admin.close();
        try {
            server.destroy();
        } catch (IllegalStateException e) {
            System.err.println("RbacApiServer: " + e.getMessage() + " (a connection outlived the mock server's 10 s shutdown)");
        }
    }

    /** As the API server words it ({@code staging/src/k8s.io/apiserver/pkg/endpoints/handlers/responsewriters/errors.go}). */
    private static MockResponse forbidden(ApiRequest r) {
        String resource = r.apiGroup().isEmpty() ? r.resource() : r.resource() + "." + r.apiGroup();
        String named = r.name().isEmpty() ? "" : " \\\"" + r.name() + "\\\"";
        String scope = r.namespace().isEmpty() ? "at the cluster scope" : "in the namespace \\\"" + r.namespace() + "\\\"";
        String message = resource + named + " is forbidden: User \\\"" + SERVICE_ACCOUNT + "\\\" cannot " + r.verb()
                + " resource \\\"" + r.combinedResource() + "\\\" in API group \\\"" + r.apiGroup() + "\\\" " + scope;
        return new MockResponse().setResponseCode(403).setHeader("Content-Type", "application/json")
                .setBody("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"metadata\":{},\"status\":\"Failure\",\"message\":\""
                        + message + "\",\"reason\":\"Forbidden\",\"details\":{\"name\":\"" + r.name() + "\",\"group\":\""
                        + r.apiGroup() + "\",\"kind\":\"" + r.resource() + "\"},\"code\":403}");
    }

    private static CustomResourceDefinitionContext crd(String kind, String plural) {
        return new CustomResourceDefinitionContext.Builder().withGroup("networking.istio.io").withVersion("v1")
                .withKind(kind).withPlural(plural).withScope("Namespaced").build();
    }
}
