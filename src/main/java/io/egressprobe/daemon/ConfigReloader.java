package io.egressprobe.daemon;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.InvalidConfigException;
import io.egressprobe.config.ReloadOutcome;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.metrics.ConfigMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the config file when its content changes and on request. A bad file keeps the last good
 * config running, is logged once per distinct content, and shows in the reload metrics.
 *
 * <p>A change is noticed by a watch on the file's folder within {@link #WATCH_CHECK_MILLIS}, and by a slow poll of the
 * content where watches miss it (file systems without notifications, a lost event).
 */
public final class ConfigReloader {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigReloader.class);

    private final Vertx vertx;
    private final Path file;
    private final ConfigMetrics metrics;
    private final Function<ProbeConfig, Future<Void>> apply;
    private byte[] lastSeen;
    /** How often the watch's events are collected: a timer, no blocking. */
    static final long WATCH_CHECK_MILLIS = 1000;

    private long timerId = -1;
    private Optional<ConfigFileWatch> fileWatch = Optional.empty();
    private Future<ReloadOutcome> inProgress = Future.succeededFuture();

    /** What a reload did; {@code problems} is empty on success. */

    public ConfigReloader(Vertx vertx, Path file, byte[] initialContent, ConfigMetrics metrics,
                          Function<ProbeConfig, Future<Void>> apply) {
        this.vertx = vertx;
        this.file = file;
        this.lastSeen = initialContent;
        this.metrics = metrics;
        this.apply = apply;
    }

    /** Follows the file: its folder's watch, and a read every {@code pollMillis} in case a change slips past it. */
    public void watch(long pollMillis) {
        fileWatch = ConfigFileWatch.start(vertx, file, WATCH_CHECK_MILLIS, () -> reload(false));
        timerId = vertx.setPeriodic(pollMillis, id -> reload(false));
    }

    public void stop() {
        if (timerId >= 0) {
            vertx.cancelTimer(timerId);
        }
        fileWatch.ifPresent(ConfigFileWatch::close);
    }

    /**
     * Reads the file and applies it if it changed ({@code force}: even if not). Reloads never overlap. A
     * poll that comes while a reload runs is dropped rather than queued: on a loaded node reloads slower than
     * the poll would otherwise pile up behind each other, and the next poll reads the file anyway.
     */
    public synchronized Future<ReloadOutcome> reload(boolean force) {
        if (!force && !inProgress.isComplete()) {
            LOG.atDebug().log("config poll dropped: a reload is under way");
            return inProgress;
        }
        inProgress = inProgress.transform(x -> vertx.fileSystem().readFile(file.toString())
                .transform(read -> {
                    if (read.failed()) {
                        return Future.succeededFuture(reject(null, "cannot read " + file + ": " + read.cause().getMessage()));
                    }
                    byte[] content = read.result().getBytes();
                    if (!force && Arrays.equals(content, lastSeen)) {
                        LOG.atDebug().addKeyValue("file", file.toString()).log("config {} unchanged", file);
                        return Future.succeededFuture(new ReloadOutcome(false, false, ""));
                    }
                    return vertx.executeBlocking(() -> ConfigLoader.fromText(new String(content, StandardCharsets.UTF_8), file), false).transform(parsed -> {
                        if (parsed.failed()) {
                            String problems = parsed.cause() instanceof InvalidConfigException e ? e.getMessage()
                                    : String.valueOf(parsed.cause());
                            return Future.succeededFuture(reject(content, problems));
                        }
                        lastSeen = content;
                        return apply.apply(parsed.result()).map(v -> {
                            metrics.succeeded();
                            LOG.atInfo().addKeyValue("file", file.toString()).log("config reloaded from {}", file);
                            return new ReloadOutcome(true, true, "");
                        });
                    });
                }));
        return inProgress;
    }

    private ReloadOutcome reject(byte[] content, String problems) {
        metrics.failed();
        boolean newContent = content == null || !Arrays.equals(content, lastSeen);
        if (!newContent) {
            LOG.atDebug().addKeyValue("file", file.toString()).log("config {} still rejected, unchanged", file);
        } else {
            LOG.atError().addKeyValue("file", file.toString()).addKeyValue("problems", problems)
                    .log("config {} rejected, keeping the last good config:\n{}", file, problems);
        }
        if (content != null) {
            lastSeen = content;
        }
        return new ReloadOutcome(false, true, problems);
    }
}
