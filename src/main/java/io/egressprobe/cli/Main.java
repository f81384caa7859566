package io.egressprobe.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code java -jar egress-probe.jar <command>}; exit codes as in DESIGN.md §2. */
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

    public static void main(String[] args) {
        // Before the first logger exists: the daemon logs JSON lines for machines; the demo plain text for a
        // person, alert transitions included; check and validate only warnings.
        if (args.length > 0 && args[0].equals("run") && System.getProperty("logback.configurationFile") == null) {
            System.setProperty("logback.configurationFile", "logback-json.xml");
        }
        if (args.length > 0 && args[0].equals("demo") && System.getenv("EGRESS_PROBE_LOG_LEVEL") == null) {
            System.setProperty("EGRESS_PROBE_LOG_LEVEL", "INFO");
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
            e.getCommandLine().getErr().println("error: " + e.getMessage() + " (see: "
                    + e.getCommandLine().getCommandSpec().qualifiedName() + " --help)");
            return BAD_USAGE;
        });
        return cli;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a command is required: run, check, validate or demo");
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"egress-probe " + (v == null ? "dev" : v)};
        }
    }
}
