package io.egressprobe.notify;

import java.util.List;

/** The alerts firing now, and the latest transitions, newest first. */
public record AlertHistory(List<Notification> active, List<Notification> recent) {
    public static final AlertHistory EMPTY = new AlertHistory(List.of(), List.of());
}
