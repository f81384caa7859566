package io.egressprobe.testing;

import java.io.IOException;
import java.time.Duration;
import org.awaitility.Awaitility;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * A network namespace with nothing but its own loopback, made and deleted by a test: packets sent in it
 * cannot leave it. Needs root, {@code ip} and {@code iptables}; tests that use it are skipped, with the
 * reason, where those are missing (CI runs as root and installs iptables).
 */
public final class NetworkNamespace implements AutoCloseable {
    private final String name;

    private NetworkNamespace(String name) {
        this.name = name;
    }

    public static NetworkNamespace createOrSkip() throws IOException, InterruptedException {
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")),
                "SKIPPED: network namespace tests need root (CI runs them as root)");
        for (String tool : List.of("/usr/sbin/ip", "/usr/sbin/iptables")) {
            Assumptions.assumeTrue(Files.isExecutable(Path.of(tool)),
                    "SKIPPED: " + tool + " is missing (apt-get install iproute2 iptables)");
        }
        String name = "ep-it-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x100000, 0xFFFFFF));
        run(List.of("/usr/sbin/ip", "netns", "add", name));
        NetworkNamespace ns = new NetworkNamespace(name);
        ns.exec("/usr/sbin/ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Runs a command inside the namespace and returns its output; fails the test if it fails. */
    public String exec(String... command) throws IOException, InterruptedException {
        return run(inside(command));
    }

    /** Runs a command inside the namespace and returns its output whatever its exit code (a verdict, say). */
    public String output(String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(inside(command)).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + " did not finish");
        }
        return out;
    }

    /**
     * The resolv.conf commands in the namespace read instead of the host's: {@code ip netns exec} mounts
     * {@code /etc/netns/NAME/resolv.conf} over {@code /etc/resolv.conf} for them.
     */
    public void resolvConf(String content) throws IOException {
        Files.createDirectories(ownEtc());
        Files.writeString(ownEtc().resolve("resolv.conf"), content);
    }

    private Path ownEtc() {
        return Path.of("/etc/netns", name);
    }

    /** The command line that runs {@code command} inside the namespace. */
    public List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("/usr/sbin/ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    public static final Path DNSMASQ = Path.of("/usr/sbin/dnsmasq");

    /**
     * A DNS server in the namespace, its only resolver: dnsmasq answering the names of {@code records} (hosts-file
     * lines, "address name"), logging its queries to {@code dir/dnsmasq.log}; returns once it has read them. Skips the
     * test where dnsmasq is missing.
     */
    public Process dnsmasq(Path dir, String records) throws IOException, InterruptedException {
        return dnsmasq(dir, records, new String[0]);
    }

    /** As {@link #dnsmasq(Path, String)}, with more of dnsmasq's options (a TTL for its answers: {@code --local-ttl=N}). */
    public Process dnsmasq(Path dir, String records, String... options) throws IOException, InterruptedException {
        Assumptions.assumeTrue(Files.isExecutable(DNSMASQ), "SKIPPED: " + DNSMASQ + " is missing (apt-get install dnsmasq-base)");
        Path file = dir.resolve("records");
        Files.writeString(file, records);
        resolvConf("nameserver 127.0.0.1\n");
        Path log = dir.resolve("dnsmasq.log");
        List<String> command = new ArrayList<>(List.of(DNSMASQ.toString(), "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--addn-hosts=" + file, "--listen-address=127.0.0.1", "--bind-interfaces", "--pid-file=", "--user=root",
                "--log-queries", "--log-facility=-"));
        command.addAll(List.of(options));
        Process dns = start(log, command.toArray(String[]::new));
        Awaitility.await("dnsmasq answers").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> Files.readString(log).contains("read " + file));
        return dns;
    }

    /** An HTTP GET of a daemon's endpoint inside the namespace (curl: the test JVM is outside it). */
    public String get(int port, String path) throws IOException, InterruptedException {
        return exec("/usr/bin/curl", "-sf", "http://127.0.0.1:" + port + path);
    }

    /** Starts a long-running command inside the namespace; its output goes to {@code log}. */
    public Process start(Path log, String... command) throws IOException {
        return new ProcessBuilder(inside(command)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    }

    /** Standard output only (callers parse it); standard error goes into the failure message. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("netns-", ".err");
        try {
            Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " failed: " + out + Files.readString(err));
            }
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }

    @Override
    public void close() throws IOException {
        Files.deleteIfExists(ownEtc().resolve("resolv.conf"));
        Files.deleteIfExists(ownEtc());
        try {
            run(List.of("/usr/sbin/ip", "netns", "delete", name));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
