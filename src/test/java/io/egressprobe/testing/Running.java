package io.egressprobe.testing;

import java.util.ArrayList;
import java.util.List;

/**
 * What a test started, stopped in reverse order however the test ended. Every part is stopped even when one fails;
 * the first failure is thrown after, with the others added to it.
 */
public final class Running {
    private final List<AutoCloseable> started = new ArrayList<>();

    /** Returns what it was given, to be stopped on {@link #stop}. */
    public <T extends AutoCloseable> T add(T resource) {
        started.add(resource);
        return resource;
    }

    public void stop() throws Exception {
        Exception first = null;
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        started.clear();
        if (first != null) {
            throw first;
        }
    }
}
