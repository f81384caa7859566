package io.egressprobe.daemon;

import static org.assertj.core.api.Assertions.assertThat;

import io.egressprobe.config.ConfigParser;
import io.egressprobe.config.InvalidConfigException;
import io.egressprobe.config.ProbeConfig;
import org.junit.jupiter.api.Test;

/** A reload names every setting it cannot apply, and only those. */
class RestartOnlyTest {
    static final String BASE = """
            listen: 127.0.0.1:9478
            mode: auto
            envoy: { adminUrl: "http://127.0.0.1:15000", refresh: 60s }
            discovery: { serviceEntries: { enabled: false } }
            kubernetes: { enabled: auto, events: true }
            defaults: { interval: 5s }
            targets: [ { name: a, host: a.example.com } ]
            """;

    static ProbeConfig parse(String yaml) throws InvalidConfigException {
        return ConfigParser.parse(yaml);
    }

    @Test
    void shouldNameEachSettingThatWaitsForARestart() throws InvalidConfigException {
        ProbeConfig base = parse(BASE);

        assertThat(RestartOnly.changed(base, parse(BASE.replace("interval: 5s", "interval: 1s")
                .replace("a.example.com", "b.example.com").replace("events: true", "events: false"))))
                .as("targets, defaults and events apply now").isEmpty();
        assertThat(RestartOnly.changed(base, parse(BASE.replace("refresh: 60s", "refresh: 10s")))).containsExactly("envoy");
        assertThat(RestartOnly.changed(base, parse(BASE.replace("enabled: false", "enabled: true")))).containsExactly("discovery");
        assertThat(RestartOnly.changed(base, parse(BASE.replace("enabled: auto", "enabled: false"))))
                .containsExactly("kubernetes.enabled");
        assertThat(RestartOnly.changed(base, parse(BASE.replace("9478", "9479").replace("mode: auto", "mode: direct"))))
                .containsExactly("listen", "mode");
        assertThat(RestartOnly.changed(base, parse(BASE + "alerting: { stateFile: /var/lib/egress-probe/alerts.json,"
                + " externalLabels: { cluster: eu-1 } }"))).as("external labels apply now: the notifiers are rebuilt")
                .containsExactly("alerting.stateFile");
    }
}
