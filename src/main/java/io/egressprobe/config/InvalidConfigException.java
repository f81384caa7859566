package io.egressprobe.config;

import java.util.List;
import java.util.stream.Collectors;

/** Every problem found in a config, not just the first: users fix a file in one pass. */
public final class InvalidConfigException extends Exception {
    private final transient List<ConfigProblem> problems;

    public InvalidConfigException(List<ConfigProblem> problems) {
        super(problems.stream().map(ConfigProblem::toString).collect(Collectors.joining("\n")));
        this.problems = List.copyOf(problems);
    }

    public List<ConfigProblem> problems() {
        return problems;
    }
}
