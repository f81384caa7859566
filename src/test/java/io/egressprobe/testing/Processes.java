package io.egressprobe.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Processes a test started, stopped in reverse order by their own handles (SIGTERM, then SIGKILL after 10 s). */
public final class Processes implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();

    public Process add(Process p) {
        started.add(p);
        return p;
    }

    @Override
    public void close() throws InterruptedException {
        for (int i = started.size() - 1; i >= 0; i--) {
            Process p = started.get(i);
            p.destroy();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        started.clear();
    }
}
