package io.egressprobe.testing;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/**
 * Blocking HTTP calls from test threads to the daemon's port, in HTTP/1.1 as Prometheus and browsers (h2 only over
 * TLS) speak to it. The JDK client's default, an h2c upgrade, now and then hung against a new server of a test JVM
 * that had served others before, past the request's timeout: a test waited for ever (seen in StatusPageIT; reproduced
 * alone, 3 servers in a row, each answering 3 requests, then a hang; never in HTTP/1.1).
 */
public final class Http {
    private static final HttpClient CLIENT = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5)).build();

    private Http() {}

    public static HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(port, path)).GET());
    }

    public static HttpResponse<String> post(int port, String path) throws IOException, InterruptedException {
        return send(HttpRequest.newBuilder(uri(port, path)).POST(HttpRequest.BodyPublishers.noBody()));
    }

    private static HttpResponse<String> send(HttpRequest.Builder b) throws IOException, InterruptedException {
        return CLIENT.send(b.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private static URI uri(int port, String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }
}
