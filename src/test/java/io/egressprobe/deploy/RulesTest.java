package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** The fleet rules through Debian's promtool: syntax, and unit tests that fire and do not fire every alert. */
class RulesTest {
    static final Path PROMTOOL = Path.of("/usr/bin/promtool");

    static String promtool(String... args) throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(PROMTOOL), "SKIPPED: promtool is missing (apt-get install prometheus)");
        String[] command = new String[args.length + 1];
        command[0] = PROMTOOL.toString();
        System.arraycopy(args, 0, command, 1, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        return out;
    }

    @Test
    void shouldPassPromtoolCheckRules() throws Exception {
        assertThat(promtool("check", "rules", "k8s/monitoring/egress-probe.rules.yml")).contains("SUCCESS: 18 rules found");
    }

    @Test
    void shouldPassTheRuleUnitTests() throws Exception {
        assertThat(promtool("test", "rules", "k8s/monitoring/tests/egress-probe.rules.test.yml")).contains("SUCCESS");
    }
}
