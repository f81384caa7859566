package io.egressprobe.cli;

import io.egressprobe.metrics.BuildInfo;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar egress-probe.jar <command>}; exit codes as in the README's "Commands". */
@Command(name = "egress-probe", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        scope = CommandLine.ScopeType.INHERIT,
        description = "Measures how close TLS connect latency to critical egress hosts comes to the Envoy connect timeout.",
        subcommands = {RunCommand.class, CheckCommand.class, ValidateCommand.class, DemoCommand.class})
public final class Main implements Runnable {
    public static final int OK = 0;
    public static final int WARNING = 1;
    public static final int CRITICAL = 2;
    public static final int BAD_USAGE = 3;
    public static final int COULD_NOT_PROBE = 4;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Option(names = "--log-level", paramLabel = "LEVEL", scope = CommandLine.ScopeType.INHERIT,
            defaultValue = "${env:EGRESS_PROBE_LOG_LEVEL}",
            description = "What egress-probe logs: error, warn, info, debug (each attempt, every admin and API read, every "
                    + "reload decision) or trace. Default: info for run and demo, warn otherwise; or EGRESS_PROBE_LOG_LEVEL.")
    void logLevel(String level) {
        if (level == null || level.isBlank()) {
            return;
        }
        try {
            LogLevel.apply(level);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--log-level (or EGRESS_PROBE_LOG_LEVEL): " + e.getMessage());
        }
    }

    public static void main(String[] args) {
        // Before the first logger exists. run and demo log their events at INFO: JSON lines for a log pipeline, plain
        // text where a person watches a terminal; check and validate only warnings, as text.
        boolean daemon = args.length > 0 && (args[0].equals("run") || args[0].equals("demo"));
        if (System.getProperty(LogSetup.FORMAT) == null) {
            System.setProperty(LogSetup.FORMAT, daemon && System.console() == null ? "json" : "text");
        }
        if (daemon && System.getProperty(LogLevel.PROPERTY) == null) {
            System.setProperty(LogLevel.PROPERTY, "INFO");
        }
        // Netty's JFR events load the JDK's flight recorder (about 70 classes, 1 MiB) in every process that never
        // records; whoever wants them sets the property to true.
        if (System.getProperty("io.netty.jfr.enabled") == null) {
            System.setProperty("io.netty.jfr.enabled", "false");
        }
        int code = 1;
        try {
            code = commandLine().execute(args);
        } finally {
            // Always: Vert.x's threads are not daemons, so a command that died of an Error would
            // otherwise leave a process that no longer answers SIGTERM.
            System.exit(code);
        }
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new Main());
        cli.setExitCodeExceptionMapper(e -> BAD_USAGE);
        // One clear line and where to look, not a screenful of usage.
        cli.setParameterExceptionHandler((e, args) -> {
            e.getCommandLine().getErr().println("error: " + message(e) + " (see: "
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return BAD_USAGE;
        });
        return cli;
    }

    /** picocli's words, but for a first word that names no command, which it calls an unmatched argument. */
    static String message(CommandLine.ParameterException e) {
        if (e instanceof CommandLine.UnmatchedArgumentException u && e.getCommandLine().getCommandSpec().parent() == null
                && !u.getUnmatched().isEmpty() && !u.getUnmatched().get(0).startsWith("-")) {
            return "unknown command '" + u.getUnmatched().get(0) + "': the commands are "
                    + String.join(", ", e.getCommandLine().getSubcommands().keySet());
        }
        return e.getMessage();
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, check, validate or demo");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"egress-probe " + BuildInfo.version() + " (revision " + BuildInfo.revision() + ", Java "
                    + System.getProperty("java.version") + ")"};
        }
    }
}
