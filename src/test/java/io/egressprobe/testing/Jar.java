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
}
