package io.egressprobe.cli;

import io.egressprobe.config.CaFiles;
import io.egressprobe.config.Durations;
import io.egressprobe.config.ClientKeys;
import io.egressprobe.config.EnvoySettings;
import io.egressprobe.config.Mode;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.Thresholds;
import io.egressprobe.config.TlsSettings;
import io.egressprobe.daemon.PathChoice;
import io.egressprobe.envoy.EnvoyAdminClient;
import io.egressprobe.envoy.SidecarQuestion;
import io.egressprobe.envoy.ClusterStats;
import io.egressprobe.window.ConnectBuckets;
import io.egressprobe.window.EnvoyConnectWindow;
import java.util.Set;
import io.egressprobe.probe.OwnPauses;
import io.egressprobe.probe.TargetLoop;
import io.egressprobe.route.AddressFamily;
import io.egressprobe.route.ConfiguredTimeout;
import io.egressprobe.route.Destination;
import io.egressprobe.route.Route;
import io.egressprobe.route.RouteSource;
import io.egressprobe.route.Routes;
import io.egressprobe.measure.EffectiveTimeout;
import io.egressprobe.measure.ProbePath;
import io.egressprobe.measure.ProbeResult;
import io.egressprobe.measure.TimeoutSource;
import io.egressprobe.metrics.MeteredVertx;
import io.egressprobe.probe.Attempts;
import io.egressprobe.probe.ProbeContext;
import io.egressprobe.probe.TlsEngine;
import io.egressprobe.probe.TlsProber;
import io.egressprobe.probe.Transport;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine;

@Command(name = "check", description = "Open N fresh TLS connections to HOST[:PORT] and judge the connect latency "
        + "against an Envoy connect timeout. Exit 0 ok, 1 warning, 2 critical, 3 bad usage, 4 could not probe at all.")
final class CheckCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "HOST[:PORT]", description = "Host to probe; port 443 unless given.")
    String hostPort;

    @Option(names = "--count", defaultValue = "50", description = "Attempts (default: ${DEFAULT-VALUE}).")
    int count;

    @Option(names = "--interval", defaultValue = "200ms", converter = DurationConverter.class,
            description = "Time between attempt starts (default: ${DEFAULT-VALUE}).")
    Duration interval;

    @Option(names = "--envoy-timeout", converter = DurationConverter.class,
            description = "The Envoy connect timeout to judge against (default: Istio's 10s).")
    Duration envoyTimeout;

    @Option(names = "--probe-timeout", converter = DurationConverter.class,
            description = "Deadline of each attempt (default: the Envoy timeout + 5s, so the tail beyond it is seen).")
    Duration probeTimeout;

    @Option(names = "--sni", description = "Server name to send and verify (default: the host).")
    String sni;

    /** The attempts (by index) timed across a pause of this JVM's collector. */
    private final java.util.Set<Integer> ownPaused = new java.util.TreeSet<>();
    private OwnPauses ownPauses;

    @Option(names = "--insecure", description = "Do not verify the server's certificate.")
    boolean insecure;

    @Option(names = "--ca-file", description = "PEM file of CA certificates to trust instead of the system's.")
    Path caFile;

    @Option(names = "--cert-file", description = "PEM client certificate chain to present where the server asks for one"
            + " (mTLS); with --key-file.")
    Path certFile;

    @Option(names = "--key-file", description = "PEM private key of --cert-file, unencrypted: PKCS#8, PKCS#1 RSA or SEC1 EC"
            + " (RSA, EC or Ed25519).")
    Path keyFile;

    @Option(names = "--ip-family", defaultValue = "auto", description = "auto, v4 or v6: which of the name's addresses"
            + " to connect to (default: ${DEFAULT-VALUE}: the family the sidecar's cluster resolves the host in, else IPv4"
            + " where the name has it).")
    String ipFamily;

    @Option(names = "--output", defaultValue = "text", description = "text or json (default: ${DEFAULT-VALUE}).")
    String output;

    @Option(names = "--path", defaultValue = "auto", description = "auto, direct, sidecar or ambient: the path the connections take"
            + " (default: ${DEFAULT-VALUE}, as the daemon decides: sidecar where one answers on 127.0.0.1:15021 or"
            + " 127.0.0.1:15000). Through a sidecar the upstream connect is the time to ServerHello, and a reset at about"
            + " the timeout is Envoy's cut; without --envoy-timeout the sidecar's own timeout for the host is used.")
    String path;

    @Option(names = "--envoy-admin", defaultValue = "http://127.0.0.1:15000", description = "The sidecar's admin API"
            + " (default: ${DEFAULT-VALUE}): it says whether a sidecar is there, and its connect timeout for the host.")
    URI envoyAdmin;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    private static final long SIDECAR_READ_SECONDS = 30;

    @Override
    public Integer call() throws Exception {
        CommandLine cli = spec.commandLine();
        if (!output.equals("text") && !output.equals("json")) {
            throw new CommandLine.ParameterException(cli, "--output must be text or json");
        }
        if (count < 1 || count > 100_000) {
            throw new CommandLine.ParameterException(cli, "--count must be between 1 and 100000");
        }
        if (caFile != null) {
            checkCaFile(cli);
        }
        clientCertificate(cli); // a bad file is a usage error before anything runs
        Mode mode = mode(cli);
        HostPort address = hostPort(cli);
        EnvoySettings envoy = new EnvoySettings(envoyAdmin, EnvoySettings.DEFAULT.readyUrl(), EnvoySettings.DEFAULT.refresh(),
                EnvoySettings.DEFAULT_ANSWER_LIMIT);
        Vertx vertx = MeteredVertx.create();
        try {
            ProbePath probePath = PathChoice.decide(vertx, mode, envoy);
            Route route = route(vertx, probePath, address);
            EffectiveTimeout timeout = route.timeout();
            if (probePath != ProbePath.DIRECT) {
                cli.getErr().println("through the " + (probePath == ProbePath.AMBIENT ? "ambient ztunnel" : "sidecar") + ": judging the "
                        + (route.originatesTls() ? "time to the first response byte (the proxy originates TLS)" : "time to ServerHello")
                        + " against the " + Durations.format(timeout.value()) + " connect timeout"
                        + (route.isChain() ? " of the " + route.limit().kind().label() : "") + " ("
                        + timeout.source().label() + timeout.cluster().map(c -> ", cluster " + c).orElse("") + ")");
            }
            if (probeTimeout != null && probeTimeout.compareTo(timeout.value()) <= 0) {
                throw new CommandLine.ParameterException(cli, "--probe-timeout " + Durations.format(probeTimeout)
                        + " must exceed the Envoy timeout (" + Durations.format(timeout.value())
                        + (timeout.source() == TimeoutSource.CONFIG ? "" : ", " + timeout.source().label())
                        + ") so that the tail beyond it is seen");
            }
            Target target = target(address, timeout.value());
            TlsProber prober = new TlsProber(vertx, TlsEngine.best());
            // The sidecar's own connect histogram for its cluster, before and after the run: the difference is the
            // connects it made meanwhile (the run's, and any other of its pod's to the same cluster).
            Optional<String> cluster = probePath == ProbePath.SIDECAR ? route.sidecarCluster() : Optional.empty();
            Optional<ConnectBuckets> before = cluster.flatMap(c -> connectBuckets(vertx, c));
            List<ProbeResult> results = runAttempts(vertx.getOrCreateContext(), prober, target,
                    new TargetLoop.Shape(route.originatesTls(), family(cli, route), route.probeDeadline(target.settings().probeTimeout())));
            Optional<EnvoyConnectWindow.Stats> envoyConnects = before.flatMap(b -> connectBuckets(vertx, cluster.get())
                    .flatMap(after -> after.since(b))).map(d -> new EnvoyConnectWindow.Stats(d.connects(), d.quantile(0.5),
                    d.quantile(0.99), 0));
            CheckReport report = CheckReport.of(target.host(), target.port(), target.sni(), probePath,
                    prober.engine().label(), Transport.of(vertx).label(), results, ownPaused, route, Thresholds.DEFAULT,
                    ProbeSettings.BUILT_IN.toleratedSynLosses(), envoyConnects);
            if (output.equals("json")) {
                CheckRenderer.json(report, cli.getOut());
            } else {
                CheckRenderer.text(report, cli.getOut());
            }
            return report.level().exitCode;
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private AddressFamily family(CommandLine cli, Route route) {
        return switch (ipFamily) {
            case "v4" -> AddressFamily.V4_ONLY;
            case "v6" -> AddressFamily.V6_ONLY;
            case "auto" -> route.dnsFamily().orElse(ProbeContext.DEFAULT_FAMILY);
            default -> throw new CommandLine.ParameterException(cli, "--ip-family must be auto, v4 or v6");
        };
    }

    /** Both files or neither, each readable PEM: a bad one would fail every attempt, so it is said at once. */
    private Optional<TlsSettings.ClientCertificate> clientCertificate(CommandLine cli) {
        if (certFile == null && keyFile == null) {
            return Optional.empty();
        }
        if (certFile == null || keyFile == null) {
            throw new CommandLine.ParameterException(cli, "--cert-file and --key-file go together");
        }
        try {
            ClientKeys.pair(certFile, keyFile);
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new CommandLine.ParameterException(cli, "the client certificate cannot be used: " + e.getMessage());
        }
        return Optional.of(new TlsSettings.ClientCertificate(certFile, keyFile));
    }

    /** A file that is no PEM certificate would fail every attempt as a certificate problem: say so at once. */
    private void checkCaFile(CommandLine cli) {
        if (insecure) {
            throw new CommandLine.ParameterException(cli, "--ca-file has no effect with --insecure");
        }
        CaFiles.problem(caFile).ifPresent(problem -> {
            throw new CommandLine.ParameterException(cli, "--ca-file " + problem);
        });
    }

    /**
     * HOST, HOST:PORT, [IPv6]:PORT, or a URL such as {@code https://host:port/path} pasted from a
     * client's config: its host and port are probed (check opens TLS connections; it sends no request).
     */
    private record HostPort(String host, int port) {}

    private HostPort hostPort(CommandLine cli) {
        String hostPort = this.hostPort;
        int scheme = hostPort.indexOf("://");
        if (scheme >= 0) {
            if (!hostPort.substring(0, scheme).equalsIgnoreCase("https")) {
                throw new CommandLine.ParameterException(cli, "'" + hostPort + "': check probes TLS; give HOST[:PORT]"
                        + " or an https:// URL");
            }
            String rest = hostPort.substring(scheme + 3);
            int end = rest.indexOf('/');
            hostPort = end < 0 ? rest : rest.substring(0, end);
            if (hostPort.contains("@") || hostPort.isEmpty()) {
                throw new CommandLine.ParameterException(cli, "'" + this.hostPort + "': give HOST[:PORT]");
            }
        }
        String host = hostPort;
        int port = 443;
        int colon = hostPort.lastIndexOf(':');
        boolean bracketed = hostPort.startsWith("[");
        if (colon > 0 && (bracketed ? hostPort.indexOf("]:") == colon - 1 : hostPort.indexOf(':') == colon)) {
            host = hostPort.substring(0, colon);
            try {
                port = Integer.parseInt(hostPort.substring(colon + 1));
            } catch (NumberFormatException e) {
                port = -1;
            }
            if (port < 1 || port > 65535) {
                throw new CommandLine.ParameterException(cli, "port in '" + hostPort + "' must be between 1 and 65535");
            }
        }
        if (bracketed) {
            host = host.substring(1, host.length() - 1);
        }
        if (host.isEmpty() || host.contains("/") || host.contains("?")) {
            throw new CommandLine.ParameterException(cli, "'" + this.hostPort + "' is not HOST[:PORT]");
        }
        return new HostPort(host, port);
    }

    private Target target(HostPort address, Duration limit) {
        String host = address.host();
        int port = address.port();
        // See past the timeout, as the daemon does: the tail beyond it is the point.
        Duration deadline = probeTimeout != null ? probeTimeout : limit.plus(Duration.ofSeconds(5));
        ProbeSettings settings = new ProbeSettings(interval, deadline, Duration.ofDays(1), Optional.of(limit),
                Thresholds.DEFAULT, 1, Duration.ZERO, ProbeSettings.BUILT_IN.toleratedSynLosses());
        TlsSettings tls = new TlsSettings(!insecure, insecure ? Optional.empty() : Optional.ofNullable(caFile),
                clientCertificate(spec.commandLine()));
        return new Target("check", host, port, sni == null ? host : sni, tls, Optional.empty(), settings, Map.of());
    }

    private Mode mode(CommandLine cli) {
        try {
            return Mode.valueOf(path.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(cli, "--path must be auto, direct, sidecar or ambient");
        }
    }

    /**
     * The route as the daemon resolves it, from what {@code check} can read: {@code --envoy-timeout} first for the
     * sidecar's hop, then the sidecar's own config (its listeners say whether an egress gateway or a blocked host is on
     * the way), then the proxies' defaults. It reads no Kubernetes resources: a gateway's own timeout is Istio's
     * default here unless the daemon's view says otherwise. The admin API not answering is said on stderr.
     */
    private Route route(Vertx vertx, ProbePath probePath, HostPort address) {
        Destination d = new Destination(address.host(), address.port());
        List<RouteSource> sources = new ArrayList<>();
        if (envoyTimeout != null) {
            sources.add(new ConfiguredTimeout(Optional.of(envoyTimeout)));
        }
        if (probePath == ProbePath.SIDECAR) {
            EnvoyAdminClient admin = new EnvoyAdminClient(vertx, envoyAdmin, EnvoySettings.DEFAULT_ANSWER_LIMIT);
            try {
                // Three reads (clusters, listeners, route configs) and their parse: a loaded node takes seconds.
                sources.add(admin.sidecarConfig("", new SidecarQuestion(List.of(d), new java.util.TreeSet<>(List.of(d.host(), sni == null ? d.host() : sni)))).toCompletionStage().toCompletableFuture().get(SIDECAR_READ_SECONDS,
                        TimeUnit.SECONDS));
            } catch (Exception e) {
                spec.commandLine().getErr().println("the sidecar's admin API (" + envoyAdmin + ") did not give its config ("
                        + e.getMessage() + "): judging against Istio's 10s; give --envoy-timeout");
            } finally {
                admin.close();
            }
        }
        return Routes.resolve(d, Routes.implied(probePath, ""), sources);
    }

    /**
     * The sidecar's cumulative {@code upstream_cx_connect_ms} buckets for {@code cluster}; empty where it answers none (an
     * Envoy before 1.22, stats not recorded for the cluster) or does not answer: the run is then judged on its own
     * samples, and {@code check} says so.
     */
    private Optional<ConnectBuckets> connectBuckets(Vertx vertx, String cluster) {
        EnvoyAdminClient admin = new EnvoyAdminClient(vertx, envoyAdmin, EnvoySettings.DEFAULT_ANSWER_LIMIT);
        try {
            return Optional.ofNullable(admin.clusterStats(Set.of(cluster)).toCompletionStage().toCompletableFuture()
                    .get(SIDECAR_READ_SECONDS, TimeUnit.SECONDS).get(cluster)).flatMap(ClusterStats::connectBuckets);
        } catch (Exception e) {
            return Optional.empty();
        } finally {
            admin.close();
        }
    }

    /** Attempts one after another, starts {@code interval} apart (later if one takes longer). */
    private List<ProbeResult> runAttempts(Context context, TlsProber prober, Target target, TargetLoop.Shape shape) throws Exception {
        List<ProbeResult> results = new ArrayList<>();
        ownPauses = OwnPauses.ofThisJvm();
        Promise<Void> done = Promise.promise();
        context.runOnContext(v -> next(context, prober, target, shape, results, done));
        done.future().toCompletionStage().toCompletableFuture().get();
        return results;
    }

    private void next(Context context, TlsProber prober, Target target, TargetLoop.Shape shape, List<ProbeResult> results,
                      Promise<Void> done) {
        long started = System.nanoTime();
        Attempts.run(context.owner(), prober, target, new ProbeContext(started, target.settings().probeTimeout(), results.size(),
                        shape.plainText(), shape.family()))
                .onComplete(ar -> {
                    if (OwnPauses.outweighs(ownPauses.pausedMillisWithin(started, System.nanoTime()), target.settings()
                            .envoyConnectTimeout().orElse(Duration.ofSeconds(10)))) {
                        ownPaused.add(results.size());
                    }
                    results.add(ar.result());
                    if (results.size() == count) {
                        done.complete();
                        return;
                    }
                    long waitMillis = interval.toMillis() - (System.nanoTime() - started) / 1_000_000;
                    context.owner().setTimer(Math.max(1, waitMillis), id -> next(context, prober, target, shape, results, done));
                });
    }
}
