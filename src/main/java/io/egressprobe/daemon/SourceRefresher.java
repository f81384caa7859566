package io.egressprobe.daemon;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;

/**
 * The one refresher of the route sources: at start, then every {@code envoy.refresh} from a random point of the first
 * period (spread over the fleet), it reads each feed, never two reads of one feed at
 * once (a slow admin API or API server must not pile requests up: the next period asks again), each feed on its own so
 * that one that hangs or fails never holds another back.
 */
final class SourceRefresher {
    private final Vertx vertx;
    private final Duration refresh;
    private final List<SourceFeed> feeds;
    private final List<InFlight> reads;
    private long timerId = -1;

    SourceRefresher(Vertx vertx, Duration refresh, List<SourceFeed> feeds) {
        this.vertx = vertx;
        this.refresh = refresh;
        this.feeds = List.copyOf(feeds);
        this.reads = feeds.stream().map(f -> new InFlight()).toList();
    }

    void start() {
        if (feeds.isEmpty()) {
            return;
        }
        refresh();
        // After the first read, each pod's period starts at a random point of it: a fleet restarted at once (a rollout)
        // does not ask every sidecar and the API server at the same second, every period after.
        long offset = java.util.concurrent.ThreadLocalRandom.current().nextLong(1, refresh.toMillis() + 1);
        timerId = vertx.setPeriodic(offset, refresh.toMillis(), id -> refresh());
    }

    private void refresh() {
        for (int i = 0; i < feeds.size(); i++) {
            if (!reads.get(i).busy()) {
                reads.get(i).track(feeds.get(i).read());
            }
        }
    }

    /** Stops reading; completes once every read under way has ended (bounded) and each feed is closed. */
    Future<Void> stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        feeds.forEach(SourceFeed::stop);
        return Future.join(IntStream.range(0, feeds.size())
                .mapToObj(i -> reads.get(i).settled(vertx).compose(v -> feeds.get(i).close())).toList()).mapEmpty();
    }
}
