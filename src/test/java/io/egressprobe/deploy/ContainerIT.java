package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.egressprobe.demo.TlsTargetServer;
import io.egressprobe.testing.Http;
import io.egressprobe.testing.RawServers;
import io.egressprobe.testing.TestPki;
import io.netty.handler.ssl.OpenSsl;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped jar run the way the DaemonSet runs the image: as uid 10001 with no capabilities and no way to gain one,
 * the root filesystem read-only but for a {@code /tmp} tmpfs, {@code java @/app/jvm.options -jar /app/egress-probe.jar
 * run --config …} with {@code MALLOC_ARENA_MAX=2}. bubblewrap builds that filesystem (as root, in a mount namespace of
 * its own) and setpriv drops to the user. No image can be built here (no container engine), so this is the proof that
 * the jar runs under the pod's constraints.
 */
class ContainerIT {
    static final long UID = 10001;
    @TempDir
    Path dir;

    @Test
    void shouldProbeServeReloadAndStopAsTheDaemonSetRunsIt() throws Exception {
        Path bwrap = Path.of("/usr/bin/bwrap");
        Assumptions.assumeTrue(Files.isExecutable(bwrap), "SKIPPED: bubblewrap is missing (apt-get install bubblewrap)");
        Assumptions.assumeTrue(OpenSsl.isAvailable(),
                "SKIPPED: BoringSSL (netty-tcnative) does not load on this platform, and the image probes with it");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED: needs root to build the sandbox and switch to uid 10001 (CI runs as root)");
        // What the image holds, readable by uid 10001 wherever the checkout lies (/root is not).
        Path app = Files.createDirectories(dir.resolve("app"));
        Files.copy(Path.of("target/egress-probe.jar"), app.resolve("egress-probe.jar"));
        Files.copy(Path.of("jvm.options"), app.resolve("jvm.options"));
        Files.copy(Path.of("src/test/resources/hosts"), app.resolve("hosts"));
        Path config = Files.createDirectories(app.resolve("config"));
        TestPki pki = new TestPki(config);
        for (Path p : List.of(dir, app, config)) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        int port = RawServers.closedPort();
        try (TlsTargetServer target = TlsTargetServer.start(InetAddress.getLoopbackAddress(), 0, pki.valid(), () -> 0, 200)) {
            Files.writeString(config.resolve("config.yaml"), config(port, target.port(), List.of("identity")));
            worldReadable(config);
            Process sandbox = new ProcessBuilder(command(bwrap, app)).redirectOutput(dir.resolve("stdout.log").toFile())
                    .redirectError(dir.resolve("stderr.log").toFile()).start();
            try {
                await("probing identity with BoringSSL").atMost(Duration.ofSeconds(90)).ignoreExceptions()
                        .until(() -> Http.get(port, "/metrics").body()
                                .contains("egress_probe_attempts_total{path=\"direct\",result=\"success\",target=\"identity\"} 2"));
                long java = sandbox.toHandle().children().findFirst().orElseThrow().pid();
                Map<String, String> status = procStatus(java);
                assertThat(status.get("Uid")).as("real, effective, saved, fs uid").isEqualTo("10001\t10001\t10001\t10001");
                assertThat(status.get("Gid")).isEqualTo("10001\t10001\t10001\t10001");
                assertThat(status.get("Groups")).isEmpty();
                assertThat(List.of(status.get("CapInh"), status.get("CapPrm"), status.get("CapEff"), status.get("CapBnd"),
                        status.get("CapAmb"))).as("no capabilities, none to gain").containsOnly("0000000000000000");
                assertThat(status.get("NoNewPrivs")).isEqualTo("1");
                List<String> mounts = Files.readAllLines(Path.of("/proc/" + java + "/mountinfo"));
                assertThat(mountOptions(mounts, "/")).as("root filesystem").contains("ro");
                assertThat(mountOptions(mounts, "/tmp")).as("/tmp").contains("rw");
                assertThat(mounts.stream().map(l -> l.split(" ")[4]).filter(m -> !m.equals("/tmp") && !m.startsWith("/proc")
                        && !m.startsWith("/dev"))).as("nothing else writable").allSatisfy(m ->
                        assertThat(mountOptions(mounts, m)).as(m).contains("ro"));
                assertThat(Files.readString(dir.resolve("stdout.log"))).contains("\"tlsEngine\":\"openssl\"");

                Files.writeString(config.resolve("config.yaml"), config(port, target.port(), List.of("identity", "identity-2")));
                await("the changed config reloaded").atMost(Duration.ofSeconds(60)).ignoreExceptions()
                        .until(() -> new ObjectMapper().readTree(Http.get(port, "/api/v1/targets").body()).get("targets").size() == 2);

                assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(java)).start().waitFor()).isZero();
                assertThat(sandbox.waitFor(30, TimeUnit.SECONDS)).as("stops within 30 s").isTrue();
                assertThat(sandbox.exitValue()).as(Files.readString(dir.resolve("stderr.log"))).isZero();
                assertThat(Files.readString(dir.resolve("stdout.log"))).contains("\"message\":\"stopped\"");
            } finally {
                // setpriv's change of user clears bubblewrap's parent-death signal: the JVM goes by its own handle.
                sandbox.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
                sandbox.destroyForcibly();
            }
        }
    }

    static String config(int port, int targetPort, List<String> names) {
        StringBuilder yaml = new StringBuilder("""
                listen: 127.0.0.1:%d
                mode: direct
                defaults: { interval: 200ms }
                kubernetes: { enabled: false }
                targets:
                """.formatted(port));
        names.forEach(n -> yaml.append("  - { name: ").append(n).append(", host: identity.test, port: ").append(targetPort)
                .append(", tls: { caFile: ca.pem } }\n"));
        return yaml.toString();
    }

    /** bubblewrap's filesystem: the system read-only, the app and its config bound read-only, a fresh /tmp. */
    static List<String> command(Path bwrap, Path app) throws Exception {
        List<String> c = new ArrayList<>(List.of(bwrap.toString(), "--die-with-parent", "--ro-bind", "/usr", "/usr"));
        for (String top : List.of("bin", "lib", "lib64", "sbin")) {
            Path p = Path.of("/", top);
            if (Files.isSymbolicLink(p)) {
                c.addAll(List.of("--symlink", Files.readSymbolicLink(p).toString(), p.toString()));
            } else if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                c.addAll(List.of("--ro-bind", p.toString(), p.toString()));
            }
        }
        Path javaHome = Path.of(System.getProperty("java.home")).toRealPath();
        if (!javaHome.startsWith("/usr")) {
            c.addAll(List.of("--ro-bind", javaHome.toString(), javaHome.toString()));
        }
        c.addAll(List.of("--ro-bind", "/etc", "/etc", "--proc", "/proc", "--dev", "/dev",
                "--perms", "1777", "--tmpfs", "/tmp", // as the pod's emptyDir: writable by any uid
                "--ro-bind", app.toString(), "/app", "--remount-ro", "/", "--clearenv", "--setenv", "MALLOC_ARENA_MAX", "2",
                "--setenv", "PATH", "/usr/bin:/bin", "--chdir", "/",
                "/usr/bin/setpriv", "--reuid=" + UID, "--regid=" + UID, "--clear-groups", "--inh-caps=-all",
                "--bounding-set=-all", "--no-new-privs", "--",
                javaHome.resolve("bin/java").toString(), "@/app/jvm.options", "-Djdk.net.hosts.file=/app/hosts", "-jar",
                "/app/egress-probe.jar", "run", "--config", "/app/config/config.yaml"));
        return c;
    }

    static void worldReadable(Path folder) throws Exception {
        try (var files = Files.list(folder)) {
            for (Path f : files.toList()) {
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
    }

    static Map<String, String> procStatus(long pid) throws Exception {
        return Files.readAllLines(Path.of("/proc/" + pid + "/status")).stream().filter(l -> l.contains(":"))
                .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')), l -> l.substring(l.indexOf(':') + 1).strip(),
                        (a, b) -> a));
    }

    /** The per-mount options (field 6 of mountinfo) of the mount point, the last mounted over it. */
    static List<String> mountOptions(List<String> mountinfo, String mountPoint) {
        List<String> options = List.of();
        for (String line : mountinfo) {
            String[] f = line.split(" ");
            if (f[4].equals(mountPoint)) {
                options = List.of(f[5].split(","));
            }
        }
        return options;
    }
}
