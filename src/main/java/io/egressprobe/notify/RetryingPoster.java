package io.egressprobe.notify;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClientAgent;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * POSTs JSON bodies to one URL, one at a time, in order, retrying with exponential backoff until the
 * receiver takes them. The queue is bounded and keyed: a newer body for the same key (the same alert)
 * replaces an undelivered older one, and when the queue is full the oldest is dropped and counted.
 * Confined to one event-loop context.
 */
final class RetryingPoster {
    private static final Logger LOG = LoggerFactory.getLogger(RetryingPoster.class);
    static final int CAPACITY = 256;
    static final Duration FIRST_BACKOFF = Duration.ofSeconds(1);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final Vertx vertx;
    private final Context context;
    private final String name;
    private final URI url;
    private final HttpClientAgent client;
    private final NotifierMetrics metrics;
    private final Map<String, Pending> queue = new LinkedHashMap<>();
    /** The queue's notifications for readers on other threads; replaced after every change of the queue. */
    private volatile List<Notification> undelivered = List.of();
    private boolean sending;
    private final Backoff backoff = new Backoff(FIRST_BACKOFF, MAX_BACKOFF);
    private boolean failingLogged;
    private long retryTimer = -1;
    private boolean closed;

    RetryingPoster(Vertx vertx, Context context, MeterRegistry registry, String name, URI url) {
        this.vertx = vertx;
        this.context = context;
        this.name = name;
        this.url = url;
        this.client = vertx.createHttpClient(new HttpClientOptions().setConnectTimeout(5000));
        this.metrics = new NotifierMetrics(registry, name);
    }

    /** A body to deliver and the notification it tells of. */
    record Pending(String key, Notification notification, Buffer body) {}

    /** From any thread. */
    void post(String key, Notification notification, Buffer body) {
        context.runOnContext(v -> {
            if (closed) {
                return;
            }
            queue.remove(key);
            if (queue.size() >= CAPACITY) {
                Iterator<String> oldest = queue.keySet().iterator();
                oldest.next();
                oldest.remove();
                metrics.dropped.increment();
            }
            queue.put(key, new Pending(key, notification, body));
            changed();
            sendNext();
        });
    }

    /**
     * Puts a predecessor's undelivered bodies before this queue's own, oldest first; a key this queue already holds
     * keeps its newer body. From any thread.
     */
    void adopt(List<Pending> earlier) {
        context.runOnContext(v -> {
            if (closed || earlier.isEmpty()) {
                return;
            }
            Map<String, Pending> merged = new LinkedHashMap<>();
            earlier.forEach(p -> {
                if (!queue.containsKey(p.key())) {
                    merged.put(p.key(), p);
                }
            });
            merged.putAll(queue);
            queue.clear();
            merged.values().stream().skip(Math.max(0, merged.size() - CAPACITY)).forEach(p -> queue.put(p.key(), p));
            metrics.dropped.increment(Math.max(0, merged.size() - CAPACITY));
            changed();
            sendNext();
        });
    }

    /** The notifications not delivered yet, oldest first, each once. */
    List<Notification> undelivered() {
        return undelivered;
    }

    private void changed() {
        Map<Notification, Boolean> distinct = new IdentityHashMap<>();
        List<Notification> list = new ArrayList<>();
        queue.values().forEach(p -> {
            if (distinct.put(p.notification(), Boolean.TRUE) == null) {
                list.add(p.notification());
            }
        });
        undelivered = List.copyOf(list);
    }

    private void sendNext() {
        if (sending || queue.isEmpty() || closed || retryTimer >= 0) {
            return;
        }
        Map.Entry<String, Pending> next = queue.entrySet().iterator().next();
        sending = true;
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .putHeader("Content-Type", "application/json").setTimeout(10_000);
        client.request(options)
                .compose(request -> request.send(next.getValue().body()))
                .compose(response -> response.body().compose(body -> response.statusCode() / 100 == 2
                        ? Future.succeededFuture()
                        : Future.failedFuture("HTTP " + response.statusCode() + ": " + body.toString().trim())))
                .onComplete(ar -> {
                    sending = false;
                    if (ar.succeeded()) {
                        // Only if no newer body replaced it meanwhile.
                        if (queue.remove(next.getKey(), next.getValue())) {
                            changed();
                        }
                        metrics.sent.increment();
                        backoff.succeeded();
                        if (failingLogged) {
                            LOG.atInfo().addKeyValue("notifier", name).log("{} notifier delivers again to {}", name, url);
                            failingLogged = false;
                        }
                        sendNext();
                    } else {
                        metrics.failed.increment();
                        if (!failingLogged) {
                            LOG.atWarn().addKeyValue("notifier", name).addKeyValue("error", String.valueOf(ar.cause().getMessage()))
                                    .log("{} notifier cannot deliver to {}: {}; retrying with backoff", name, url,
                                            ar.cause().getMessage());
                            failingLogged = true;
                        }
                        retryTimer = vertx.setTimer(backoff.failed().toMillis(), id -> {
                            retryTimer = -1;
                            sendNext();
                        });
                    }
                });
    }

    /** Stops sending; what is undelivered stays readable ({@link #undelivered}) for whoever takes it over. */
    Future<Void> close() {
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> {
            closed = true;
            if (retryTimer >= 0) {
                vertx.cancelTimer(retryTimer);
            }
            client.close().onComplete(done);
        });
        return done.future();
    }
}
