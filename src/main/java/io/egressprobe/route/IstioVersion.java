package io.egressprobe.route;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An Istio release, {@code major.minor.patch}, as its Helm charts label what they install
 * ({@code app.kubernetes.io/version}) and its proxies report it ({@code ISTIO_VERSION}). A pre-release suffix
 * ({@code -rc.0}, {@code -beta.1}) is not compared: a rule that changed in a patch release is told by the patch alone.
 */
public record IstioVersion(int major, int minor, int patch) implements Comparable<IstioVersion> {
    private static final Pattern FORM = Pattern.compile("v?(\\d+)\\.(\\d+)(?:\\.(\\d+))?.*");

    /** {@code "1.24.1"}, {@code "v1.23.0-rc.0"}, {@code "1.22"}; empty for anything else (a dev build, a blank label). */
    public static Optional<IstioVersion> parse(String text) {
        Matcher m = FORM.matcher(text == null ? "" : text.trim());
        if (!m.matches()) {
            return Optional.empty();
        }
        return Optional.of(new IstioVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)),
                m.group(3) == null ? 0 : Integer.parseInt(m.group(3))));
    }

    public static IstioVersion of(int major, int minor, int patch) {
        return new IstioVersion(major, minor, patch);
    }

    public boolean atLeast(IstioVersion other) {
        return compareTo(other) >= 0;
    }

    @Override
    public int compareTo(IstioVersion o) {
        return major != o.major ? Integer.compare(major, o.major)
                : minor != o.minor ? Integer.compare(minor, o.minor) : Integer.compare(patch, o.patch);
    }

    @Override
    public String toString() {
        return major + "." + minor + "." + patch;
    }
}
