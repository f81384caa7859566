package io.egressprobe.target;

import io.egressprobe.config.Target;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Static targets and discovered ones together; the config wins where both name the same target or endpoint. */
public final class TargetMerge {
    private TargetMerge() {}

    public static List<Target> merge(List<Target> fromConfig, List<Target> discovered) {
        Set<String> names = new HashSet<>();
        Set<String> endpoints = new HashSet<>();
        List<Target> result = new ArrayList<>(fromConfig);
        for (Target t : fromConfig) {
            names.add(t.name());
            endpoints.add(t.host() + ":" + t.port());
        }
        for (Target t : discovered) {
            if (names.add(t.name()) && endpoints.add(t.host() + ":" + t.port())) {
                result.add(t);
            }
        }
        return result;
    }
}
