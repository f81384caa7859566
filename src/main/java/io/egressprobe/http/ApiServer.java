package io.egressprobe.http;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.egressprobe.config.ListenAddress;
import io.egressprobe.metrics.ExposedRegistry;
import io.egressprobe.notify.AlertHistory;
import io.egressprobe.probe.Transport;
import io.egressprobe.support.JsonOutput;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Clock;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * The daemon's one HTTP port: metrics, health, the targets API and reload. Every request gets an
 * answer; unknown paths get 404 and known paths with the wrong method 405.
 */
public final class ApiServer {
    static final ObjectMapper JSON = JsonOutput.mapper().registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
            .setDefaultPropertyInclusion(JsonInclude.Include.NON_NULL);
    private static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final ProbeView probe;
    private final String tlsEngine;
    private final Transport transport;
    private final Clock clock;
    private static final ExpositionFormats FORMATS = ExpositionFormats.init();
    private HttpServer server;
    /** Sizes the next scrape's buffer, so that it does not grow by doubling. */
    private volatile int lastScrapeBytes = 64 * 1024;

    public ApiServer(Vertx vertx, PrometheusMeterRegistry registry, ProbeView probe, String tlsEngine, Transport transport,
                     Clock clock) {
        this.vertx = vertx;
        this.registry = registry;
        this.probe = probe;
        this.tlsEngine = tlsEngine;
        this.transport = transport;
        this.clock = clock;
    }

    public Future<Integer> listen(ListenAddress address) {
        // Prometheus asks for gzip; at a thousand targets that turns ~10 MB per scrape into under 1 MB.
        // Level 1: the text is repetitive enough that higher levels cost CPU for little.
        server = vertx.createHttpServer(new HttpServerOptions().setHost(address.host()).setPort(address.port())
                        .setCompressionSupported(true).setCompressionLevel(1))
                .requestHandler(this::handle);
        return server.listen().map(HttpServer::actualPort).recover(e -> Future.failedFuture(
                new IllegalStateException("cannot listen on " + address + ": " + e.getMessage(), e)));
    }

    public Future<Void> close() {
        return server == null ? Future.succeededFuture() : server.close();
    }

    /**
     * Written straight into the response's buffer: at a thousand targets the exposition is ~4 MB, and a String in
     * between would double what every scrape allocates. Compressed here, on the worker, where the scraper asks for
     * gzip: left to the HTTP server, the compression of megabytes would run on an event loop and hold up the attempts
     * it times (the server leaves a response that already says its encoding alone).
     */
    private Buffer scrape(ExpositionFormatWriter format, boolean gzip) throws IOException {
        Buffer body = Buffer.buffer(gzip ? lastScrapeBytes / 8 : lastScrapeBytes + lastScrapeBytes / 8);
        OutputStream buffer = new OutputStream() {
            @Override
            public void write(int b) {
                body.appendByte((byte) b);
            }

            @Override
            public void write(byte[] bytes, int offset, int length) {
                body.appendBytes(bytes, offset, length);
            }
        };
        CountingStream counted = new CountingStream(gzip ? new FastGzip(buffer) : buffer);
        try (OutputStream out = counted) {
            if (format == null) {
                ExposedRegistry.writeText(registry, out);
            } else {
                format.write(out, registry.getPrometheusRegistry().scrape());
            }
        }
        lastScrapeBytes = (int) Math.min(Integer.MAX_VALUE / 2, counted.count);
        return body;
    }

    /** Level 1: the text is repetitive enough that higher levels cost CPU for little (~4 MB to ~0.2 MB at 1,000 targets). */
    private static final class FastGzip extends GZIPOutputStream {
        FastGzip(OutputStream out) throws IOException {
            super(out, 64 * 1024);
            def.setLevel(Deflater.BEST_SPEED);
        }
    }

    /** The bytes before compression, which size the next scrape's buffer. */
    private static final class CountingStream extends FilterOutputStream {
        long count;

        CountingStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            out.write(bytes, offset, length);
            count += length;
        }
    }

    /** Whether the scraper takes gzip (Prometheus asks for it), from its Accept-Encoding. */
    static boolean acceptsGzip(String acceptEncoding) {
        if (acceptEncoding == null) {
            return false;
        }
        for (String coding : acceptEncoding.split(",")) {
            String[] parts = coding.trim().split(";");
            if (parts[0].trim().equalsIgnoreCase("gzip")) {
                for (int i = 1; i < parts.length; i++) {
                    String p = parts[i].trim().replace(" ", "");
                    if (p.startsWith("q=") && Double.parseDouble(p.substring(2).isEmpty() ? "1" : p.substring(2)) == 0) {
                        return false;
                    }
                }
                return true;
            }
        }
        return false;
    }

    /** Prometheus with native histograms on asks for {@code application/vnd.google.protobuf;proto=io.prometheus.client.MetricFamily}. */
    static boolean wantsProtobuf(String accept) {
        return accept != null && accept.contains("application/vnd.google.protobuf") && accept.contains("io.prometheus.client.MetricFamily");
    }

    private void handle(HttpServerRequest request) {
        String path = request.path();
        switch (path) {
            case "/metrics" -> get(request, () -> {
                // Protobuf where the scraper asks for it (native histograms); the text format to everyone else, as ever.
                ExpositionFormatWriter format = wantsProtobuf(request.getHeader("Accept")) ? FORMATS.getPrometheusProtobufWriter() : null;
                boolean gzip = acceptsGzip(request.getHeader("Accept-Encoding"));
                vertx.executeBlocking(() -> scrape(format, gzip), false)
                        .onSuccess(body -> {
                            if (gzip) {
                                request.response().putHeader("Content-Encoding", "gzip");
                            }
                            request.response().putHeader("Content-Type", format == null ? PROMETHEUS_TEXT
                                    : format.getContentType()).end(body);
                        })
                        .onFailure(e -> text(request, 500, "scrape failed: " + e.getMessage()));
            });
            case "/healthz" -> get(request, () -> text(request, 200, "ok"));
            case "/readyz" -> get(request, () -> {
                if (probe.ready()) {
                    text(request, 200, "ready");
                } else {
                    text(request, 503, "not ready");
                }
            });
            case "/api/v1/targets" -> get(request, () -> vertx.executeBlocking(() -> {
                        AlertHistory alerts = probe.alerts();
                        boolean samples = "true".equals(request.getParam("samples"));
                        Map<String, Object> body = new java.util.LinkedHashMap<>();
                        body.put("now", clock.millis() / 1000.0);
                        // Null while the daemon keeps up; else why its targets' alerts are held.
                        body.put("overload", probe.overload().orElse(null));
                        body.put("targets", probe.targets().stream()
                                .map(s -> TargetStatus.of(s, alerts.levelsOf(s.facts().target().name()), tlsEngine,
                                        transport, samples))
                                .toList());
                        return body;
                    }, false)
                    .onSuccess(body -> json(request, 200, body))
                    .onFailure(e -> text(request, 500, e.getMessage())));
            case "/api/v1/alerts" -> get(request, () -> json(request, 200, AlertView.of(probe.alerts())));
            case "/-/reload" -> {
                if (request.method() != HttpMethod.POST) {
                    methodNotAllowed(request, "POST");
                    return;
                }
                probe.reload().onComplete(ar -> {
                    if (ar.failed()) {
                        text(request, 500, "reload failed: " + ar.cause().getMessage());
                    } else if (ar.result().applied()) {
                        text(request, 200, "reloaded");
                    } else {
                        text(request, 400, "config rejected, keeping the last good one:\n" + ar.result().problems());
                    }
                });
            }
            case "/" -> get(request, () -> request.response().putHeader("Content-Type", "text/html; charset=utf-8")
                    // The page talks to this server only: nothing it loads or calls may leave it.
                    .putHeader("Content-Security-Policy", "default-src 'self'; script-src 'self' 'unsafe-inline'; "
                            + "style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'")
                    .putHeader("Cache-Control", "no-cache").end(StatusPage.html()));
            default -> text(request, 404, "not found: " + path
                    + "\n(try /metrics, /healthz, /readyz, /api/v1/targets, /api/v1/alerts, POST /-/reload)");
        }
    }

    private void get(HttpServerRequest request, Runnable handler) {
        if (request.method() != HttpMethod.GET && request.method() != HttpMethod.HEAD) {
            methodNotAllowed(request, "GET");
            return;
        }
        handler.run();
    }

    private static void methodNotAllowed(HttpServerRequest request, String allowed) {
        request.response().putHeader("Allow", allowed);
        text(request, 405, "method not allowed: use " + allowed);
    }

    private static void text(HttpServerRequest request, int status, String body) {
        request.response().setStatusCode(status).putHeader("Content-Type", "text/plain; charset=utf-8")
                .end(body.endsWith("\n") ? body : body + "\n");
    }

    private static void json(HttpServerRequest request, int status, Object body) {
        try {
            request.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(body));
        } catch (JsonProcessingException e) {
            text(request, 500, "cannot render: " + e.getOriginalMessage());
        }
    }
}
