package io.egressprobe.cli;

import io.egressprobe.config.ConfigLoader;
import io.egressprobe.config.ConfigProblem;
import io.egressprobe.config.InvalidConfigException;
import io.egressprobe.config.ProbeConfig;
import io.egressprobe.window.HeapNeed;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "validate", description = "Parse and validate a config file; print every problem with its field path.")
final class ValidateCommand implements Callable<Integer> {
    @Option(names = "--config", required = true, description = "The config file.")
    Path config;

    @Option(names = "--heap", defaultValue = "64m", converter = HeapSizeConverter.class,
            description = "The daemon's -Xmx, to say whether the targets fit it (default: ${DEFAULT-VALUE}, the image's).")
    long heap;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            ProbeConfig c = ConfigLoader.load(config);
            spec.commandLine().getOut().printf("%s: valid, %d target(s)%n", config, c.targets().size());
            long need = HeapNeed.withDaemon(c.targets().stream()
                    .mapToLong(t -> HeapNeed.perTarget(t.settings().window(), t.settings().interval())).sum());
            spec.commandLine().getOut().printf(Locale.ROOT, "heap: the daemon and its targets' windows hold about %.1f MiB; %s%n",
                    need / 1048576.0, HeapNeed.fits(need, heap)
                            ? String.format(Locale.ROOT, "a heap of %d MiB holds them", heap >> 20)
                            : String.format(Locale.ROOT, "a heap of %d MiB does not: give the daemon -Xmx%dm after the image's"
                                    + " flags (README \"Sizing\"), or fewer targets, a longer interval or a shorter window",
                                    heap >> 20, HeapNeed.heapFor(need)));
            return Main.OK;
        } catch (InvalidConfigException e) {
            for (ConfigProblem p : e.problems()) {
                spec.commandLine().getErr().println(config + ": " + p);
            }
            return Main.BAD_USAGE;
        }
    }

    /** {@code 64m}, {@code 96M}, {@code 1g}: as {@code -Xmx} takes it. */
    static final class HeapSizeConverter implements CommandLine.ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]{1,6})([mMgG])").matcher(value.trim());
            if (!m.matches()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a heap size such as 64m or 1g");
            }
            return Long.parseLong(m.group(1)) << (m.group(2).equalsIgnoreCase("g") ? 30 : 20);
        }
    }
}
