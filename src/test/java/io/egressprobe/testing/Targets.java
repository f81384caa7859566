package io.egressprobe.testing;

import io.egressprobe.config.HttpCheck;
import io.egressprobe.config.ProbeSettings;
import io.egressprobe.config.Target;
import io.egressprobe.config.TlsSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Targets for tests, built the way the config builds them. */
public final class Targets {
    private Targets() {}

    public static Target trusting(Path caFile, String host, int port) {
        return new Target("t", host, port, host, new TlsSettings(true, Optional.of(caFile)), Optional.empty(),
                ProbeSettings.BUILT_IN, Map.of());
    }

    public static Target withProbeTimeout(Target t, Duration probeTimeout) {
        ProbeSettings s = t.settings();
        return new Target(t.name(), t.host(), t.port(), t.sni(), t.tls(), t.http(),
                new ProbeSettings(s.interval(), probeTimeout, s.window(), s.envoyConnectTimeout(), s.thresholds(),
                        s.minSamples(), s.forDuration(), s.toleratedSynLosses()), t.labels());
    }

    public static Target withHttp(Target t, String path, int... expect) {
        Set<Integer> statuses = new java.util.HashSet<>();
        for (int s : expect) {
            statuses.add(s);
        }
        return new Target(t.name(), t.host(), t.port(), t.sni(), t.tls(), Optional.of(new HttpCheck(path, statuses)),
                t.settings(), t.labels());
    }

    public static Target withTls(Target t, TlsSettings tls) {
        return new Target(t.name(), t.host(), t.port(), t.sni(), tls, t.http(), t.settings(), t.labels());
    }
}
