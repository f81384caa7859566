package io.egressprobe.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CliTest {
    @TempDir
    Path dir;

    @Test
    void shouldExitZeroForAValidConfig() {
        Cli r = Cli.run("validate", "--config", "src/test/resources/config/valid/design-example.yaml");

        assertThat(r.exitCode()).isEqualTo(Main.OK);
        assertThat(r.out()).contains("valid, 1 target(s)");
    }

    /**
     * Whether the targets fit the heap the daemon runs with: 1,000 targets every second over the default 10m window
     * (682 attempts each in the ring at 20 bytes an attempt, its address and its flags a byte each of them, 20 KiB
     * besides: 34,120 bytes a target, and the daemon's 12 MiB: 46,702,912 bytes, 44.5 MiB) do not fit the image's
     * 64 MiB, which leaves the collector a third; 1.5 times it is 66.8 MiB: -Xmx67m. 100 targets (15.3 MiB) do.
     */
    @Test
    void shouldSayWhetherTheTargetsFitTheDaemonsHeap() throws Exception {
        StringBuilder thousand = new StringBuilder("defaults: { interval: 1s }\ntargets:\n");
        for (int i = 0; i < 1000; i++) {
            thousand.append("  - { name: t").append(i).append(", host: t").append(i).append(".example.com }\n");
        }
        Path config = Files.writeString(dir.resolve("thousand.yaml"), thousand.toString());

        Cli tooMany = Cli.run("validate", "--config", config.toString());
        Cli larger = Cli.run("validate", "--config", config.toString(), "--heap", "160m");
        Cli hundred = Cli.run("validate", "--config", Files.writeString(dir.resolve("hundred.yaml"),
                thousand.substring(0, thousand.indexOf("  - { name: t100,"))).toString());

        assertThat(tooMany.exitCode()).as("valid all the same").isEqualTo(Main.OK);
        assertThat(tooMany.out()).contains("heap: the daemon and its targets' windows hold about 44.5 MiB; a heap of 64 MiB"
                + " does not: give the daemon -Xmx67m after the image's flags");
        assertThat(larger.out()).contains("about 44.5 MiB; a heap of 160 MiB holds them");
        assertThat(hundred.out()).contains("about 15.3 MiB; a heap of 64 MiB holds them");
        assertThat(Cli.run("validate", "--config", config.toString(), "--heap", "lots").err()).contains("'lots' is not a heap size");
    }

    @Test
    void shouldPrintEveryProblemWithItsPathAndExitThree() {
        Cli r = Cli.run("validate", "--config", "src/test/resources/config/invalid/every-problem-at-once.yaml");

        assertThat(r.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(r.err().lines()).hasSize(5)
                .anySatisfy(l -> assertThat(l).endsWith("targets[1].port: must be between 1 and 65535"))
                .anySatisfy(l -> assertThat(l).endsWith("envoy.refreshh: unknown key; did you mean 'refresh'?"));
    }

    @Test
    void shouldExitThreeForAMissingConfigFile() {
        Cli r = Cli.run("validate", "--config", dir.resolve("nope.yaml").toString());

        assertThat(r.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(r.err()).contains("cannot read").contains("no such file");
    }

    @Test
    void shouldAnswerBadInputWithOneClearLine() {
        for (String[] args : new String[][] {{"check"}, {"check", "example.com", "--count", "-5"},
                {"check", "example.com", "--interval", "5"}, {"check", "example.com", "--frobnicate"}, {}}) {
            Cli r = Cli.run(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(Main.BAD_USAGE);
            assertThat(r.err().lines()).as(String.join(" ", args)).singleElement()
                    .satisfies(l -> assertThat(l).startsWith("error: ").contains("--help"));
        }
    }

    @Test
    void shouldAnswerBadCheckInputWithOneLineThatSaysWhy() throws Exception {
        Path notPem = dir.resolve("ca.txt");
        Files.writeString(notPem, "not a certificate\n");
        Object[][] cases = {
                {new String[] {"check", "example.com", "--ca-file", notPem.toString()}, "is not a PEM file of CA certificates"},
                {new String[] {"check", "example.com", "--envoy-timeout", "2s", "--probe-timeout", "1s"},
                        "--probe-timeout 1s must exceed the Envoy timeout (2s)"},
                {new String[] {"check", "http://example.com/"}, "check probes TLS; give HOST[:PORT] or an https:// URL"},
                {new String[] {"check", "example.com/path"}, "'example.com/path' is not HOST[:PORT]"},
                {new String[] {"demo", "--port", "99999"}, "--port must be between 0 and 65535 (was 99999)"},
                {new String[] {"demo", "--port", "-1"}, "--port must be between 0 and 65535 (was -1)"},
        };
        for (Object[] c : cases) {
            String[] args = (String[]) c[0];
            Cli r = Cli.run(args);

            assertThat(r.exitCode()).as(String.join(" ", args)).isEqualTo(Main.BAD_USAGE);
            assertThat(r.err().lines()).as(String.join(" ", args)).singleElement()
                    .satisfies(l -> assertThat(l).startsWith("error: ").contains((String) c[1]));
        }
    }

    @Test
    void shouldExitThreeForBadUsage() {
        assertThat(Cli.run().exitCode()).isEqualTo(Main.BAD_USAGE);
        Cli unknown = Cli.run("frobnicate");
        assertThat(unknown.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(unknown.err()).contains("error: unknown command 'frobnicate': the commands are run, check, validate, demo");
        assertThat(Cli.run("check").exitCode()).as("no host").isEqualTo(Main.BAD_USAGE);
        Cli badDuration = Cli.run("check", "example.com", "--interval", "fast");
        assertThat(badDuration.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(badDuration.err()).contains("'fast' is not a duration");
        assertThat(Cli.run("check", "example.com", "--output", "yaml").exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(Cli.run("check", "example.com:99999").exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(Cli.run("check", "example.com", "--count", "0").exitCode()).isEqualTo(Main.BAD_USAGE);
        Cli badLevel = Cli.run("validate", "--config", "x.yaml", "--log-level", "loud");
        assertThat(badLevel.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(badLevel.err()).contains("unknown log level 'loud': use one of error, warn, info, debug, trace");
    }

    @Test
    void shouldPrintTheVersionAndRevisionOfTheBuild() {
        Cli r = Cli.run("--version");

        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).startsWith("egress-probe ").contains("(revision ").contains(", Java " + System.getProperty("java.version"));
    }

    @Test
    void shouldExitThreeWhenRunIsGivenAnInvalidConfig() throws Exception {
        Path bad = dir.resolve("bad.yaml");
        Files.writeString(bad, "targets: [ { name: a, host: a.example.com, port: 0 } ]\n");

        Cli r = Cli.run("run", "--config", bad.toString());

        assertThat(r.exitCode()).isEqualTo(Main.BAD_USAGE);
        assertThat(r.err()).contains("targets[0].port: must be between 1 and 65535");
    }
}
