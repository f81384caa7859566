package io.egressprobe.testing;

import java.util.ArrayList;
import java.util.List;

/** What a test started, stopped in reverse order however the test ended. */
public final class Running implements AutoCloseable {
    private final List<AutoCloseable> started = new ArrayList<>();

    /** Returns what it was given, to be stopped on {@link #close}. */
    public <T extends AutoCloseable> T add(T resource) {
        started.add(resource);
        return resource;
    }

    @Override
    public void close() throws Exception {
        for (int i = started.size() - 1; i >= 0; i--) {
            started.get(i).close();
        }
        started.clear();
    }
}
