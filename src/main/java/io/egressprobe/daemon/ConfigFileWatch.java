package io.egressprobe.daemon;

import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says when anything in the config file's folder changed: the kernel's file notifications (inotify, through the JDK's
 * WatchService), collected by a timer that never blocks. The folder rather than the file, because Kubernetes updates a
 * mounted ConfigMap by creating a new folder and renaming the {@code ..data} symlink beside the file, which a watch
 * on the file itself misses. Where no watch can be set up, the caller's slow poll is all there is.
 */
final class ConfigFileWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ConfigFileWatch.class);

    private final Vertx vertx;
    private final WatchService service;
    private final long timerId;

    private ConfigFileWatch(Vertx vertx, WatchService service, long checkMillis, Runnable onChange) {
        this.vertx = vertx;
        this.service = service;
        this.timerId = vertx.setPeriodic(checkMillis, id -> {
            if (changed()) {
                onChange.run();
            }
        });
    }

    static Optional<ConfigFileWatch> start(Vertx vertx, Path file, long checkMillis, Runnable onChange) {
        Path folder = file.toAbsolutePath().getParent();
        try {
            WatchService service = FileSystems.getDefault().newWatchService();
            try {
                folder.register(service, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
                        StandardWatchEventKinds.ENTRY_DELETE);
            } catch (IOException | RuntimeException e) {
                service.close();
                throw e;
            }
            return Optional.of(new ConfigFileWatch(vertx, service, checkMillis, onChange));
        } catch (IOException | RuntimeException e) {
            LOG.atWarn().addKeyValue("folder", folder.toString()).addKeyValue("error", String.valueOf(e.getMessage()))
                    .log("cannot watch {} for config changes ({}): the file is still read every poll", folder, e.getMessage());
            return Optional.empty();
        }
    }

    /** Whether any event came since the last call; every pending one is taken, so that a burst is one change. */
    private boolean changed() {
        boolean any = false;
        for (WatchKey key = service.poll(); key != null; key = service.poll()) {
            any |= !key.pollEvents().isEmpty();
            key.reset();
        }
        return any;
    }

    @Override
    public void close() {
        vertx.cancelTimer(timerId);
        try {
            service.close();
        } catch (IOException e) {
            LOG.atDebug().log("closing the config watch: {}", e.getMessage());
        }
    }
}
