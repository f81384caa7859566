package io.egressprobe.daemon;

import io.vertx.core.Future;

/** One source of the targets' routes that is read again every refresh (the sidecar's config, Istio's resources). */
interface SourceFeed {
    /** Reads the source once and hands what it says to the targets; the future ends when the read has. */
    Future<?> read();

    /** No read that ends from now on hands anything on. */
    void stop();

    /** Frees what the feed holds; called once no read is under way. */
    Future<Void> close();
}
