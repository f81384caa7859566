package io.egressprobe.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads a config file and checks what the text alone cannot: that the files it names can be read and used. */
public final class ConfigLoader {
    private ConfigLoader() {}

    public static ProbeConfig load(Path file) throws InvalidConfigException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidConfigException(List.of(new ConfigProblem("", "cannot read " + file + ": " + describe(e))));
        }
        return fromText(text, file);
    }

    /** Parses {@code text} read from {@code file}; relative paths in it are taken from the file's folder. */
    public static ProbeConfig fromText(String text, Path file) throws InvalidConfigException {
        return checkFiles(ConfigParser.parse(text), file.toAbsolutePath().getParent());
    }

    /** Relative CA paths are taken from the config file's folder, as a ConfigMap mount expects. */
    static ProbeConfig checkFiles(ProbeConfig config, Path baseDir) throws InvalidConfigException {
        List<ConfigProblem> problems = new ArrayList<>();
        List<Target> targets = new ArrayList<>();
        for (int i = 0; i < config.targets().size(); i++) {
            Target t = config.targets().get(i);
            String at = "targets[" + i + "].tls.";
            Optional<Path> ca = t.tls().caFile().map(f -> resolve(baseDir, f));
            ca.flatMap(CaFiles::problem).ifPresent(p -> problems.add(new ConfigProblem(at + "caFile", p)));
            Optional<TlsSettings.ClientCertificate> client = t.tls().client().map(c ->
                    new TlsSettings.ClientCertificate(resolve(baseDir, c.certFile()), resolve(baseDir, c.keyFile())));
            client.ifPresent(c -> {
                Optional<String> cert = ClientKeys.problem(c.certFile(), true);
                Optional<String> key = ClientKeys.problem(c.keyFile(), false);
                cert.ifPresent(p -> problems.add(new ConfigProblem(at + "certFile", p)));
                key.ifPresent(p -> problems.add(new ConfigProblem(at + "keyFile", p)));
                if (cert.isEmpty() && key.isEmpty()) {
                    // Two readable files of two different pairs fail every handshake locally: a configuration problem.
                    pairProblem(c).ifPresent(p -> problems.add(new ConfigProblem(at + "keyFile", p)));
                }
            });
            if (ca.isPresent() || client.isPresent()) {
                t = new Target(t.name(), t.host(), t.port(), t.sni(), new TlsSettings(t.tls().verify(), ca, client), t.http(),
                        t.settings(), t.labels(), t.callers());
            }
            targets.add(t);
        }
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(problems);
        }
        return new ProbeConfig(config.listen(), config.mode(), config.defaults(), targets, config.discovery(),
                config.envoy(), config.kubernetes(), config.alerting(), config.metrics());
    }

    private static Optional<String> pairProblem(TlsSettings.ClientCertificate c) {
        try {
            ClientKeys.pair(c.certFile(), c.keyFile());
            return Optional.empty();
        } catch (IOException | java.security.GeneralSecurityException e) {
            return Optional.of(e.getMessage());
        }
    }

    private static Path resolve(Path baseDir, Path file) {
        return baseDir == null ? file : baseDir.resolve(file);
    }

    private static String describe(IOException e) {
        return e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getClass().getSimpleName()
                + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }
}
