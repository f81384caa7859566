package io.egressprobe.config;

/** One thing wrong with a config file, located by the dotted path of the field ({@code targets[1].port}). */
public record ConfigProblem(String path, String message) {
    @Override
    public String toString() {
        return path.isEmpty() ? message : path + ": " + message;
    }
}
