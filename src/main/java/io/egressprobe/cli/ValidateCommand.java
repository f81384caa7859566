package io.egressprobe.cli;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.ConfigProblem;
import io.egressprobe.config.InvalidConfigException;
import io.egressprobe.config.ProbeConfig;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "validate", description = "Parse and validate a config file; print every problem with its field path.")
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The config file.")
    Path config;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            ProbeConfig c = ConfigLoader.load(config);
            spec.commandLine().getOut().printf("%s: valid, %d target(s)%n", config, c.targets().size());
            return Main.OK;
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                spec.commandLine().getErr().println(config + ": " + p);
            }
            return Main.BAD_USAGE;
        }
    }
}
