package io.egressprobe.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The shaded jar as users run it, built by the package phase before the integration tests. */
public final class Jar {
    private Jar() {}

    /** {@code java -jar target/egress-probe.jar ARGS...}, with the same JVM as the tests. */
    public static String[] command(String... args) {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target/egress-probe.jar").toAbsolutePath().toString()));
        command.addAll(List.of(args));
        return command.toArray(new String[0]);
    }

    /**
     * The same, resolving names from the test hosts file as the tests' own JVM does, with {@code jvmFlags} before
     * {@code -jar}.
     */
    public static List<String> withTestHosts(List<String> jvmFlags, String... args) {
        List<String> command = new ArrayList<>(List.of(command(args)));
        command.add(1, "-Djdk.net.hosts.file=" + Path.of("src/test/resources/hosts").toAbsolutePath());
        command.addAll(2, jvmFlags);
        return command;
    }
}
