package io.egressprobe.testing;

import java.util.ArrayList;
import java.util.List;

/** Processes a test started, stopped in reverse order by their own handles (SIGTERM, then SIGKILL after 10 s). */
public final class Processes implements AutoCloseable {
    private final List<Process> started = new ArrayList<>();

    public Process add(Process p) {
        started.add(p);
        return p;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            Stop.process(started.get(i));
        }
        started.clear();
    }
}
