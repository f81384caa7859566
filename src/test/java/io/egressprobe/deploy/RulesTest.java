package io.egressprobe.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

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

    @TempDir
    Path dir;

    @Test
    void shouldPassPromtoolCheckRules() throws Exception {
        assertThat(promtool("check", "rules", "k8s/monitoring/egress-probe.rules.yml")).contains("SUCCESS: 37 rules found"); // the two native-histogram rates among them
    }

    static final String LATENCY = "EgressConnectLatencyNearTimeout";
    static final String FAILING = "EgressTargetFailing";

    @Test
    void shouldTellOneBadNodeFromAFleetThatAgreesAndAZoneThatFails() throws Exception {
        FleetRuleCases cases = new FleetRuleCases(Path.of("k8s/monitoring/egress-probe.rules.yml").toAbsolutePath().toString())
                // 1 node of 50 critical: its node alert, and no fleet alert.
                .fleet(50, i -> "", LATENCY, i -> i == 0 ? "2x60" : "0x60", List.of(
                        FleetRuleCases.nodeAlerts(10, LATENCY, "critical", List.of(0)),
                        FleetRuleCases.fleetAlerts(30, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical", List.of())))
                // 1 node of 5 is a fifth of a small fleet, but one node: still a node alert only; 2 of 5 are the fleet's.
                .fleet(5, i -> "", LATENCY, i -> i == 0 ? "2x60" : "0x60", List.of(
                        FleetRuleCases.fleetAlerts(10, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical", List.of())))
                .fleet(5, i -> "", LATENCY, i -> i < 2 ? "2x60" : "0x60", List.of(
                        FleetRuleCases.fleetAlerts(10, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical",
                                List.<String[]>of(new String[] {"", "40%"}))))
                // 10% of 500 nodes critical: the fleet alert, once held for 5m.
                .fleet(500, i -> "", LATENCY, i -> i < 50 ? "2x60" : "0x60", List.of(
                        FleetRuleCases.fleetAlerts(3, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical", List.of()),
                        FleetRuleCases.fleetAlerts(10, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical",
                                List.<String[]>of(new String[] {"", "10%"})),
                        FleetRuleCases.nodeAlerts(10, LATENCY, "critical", FleetRuleCases.range(0, 50))))
                // A node going from warning (minutes 5 to 9) to critical (from minute 10): the warning holds until the
                // critical replaces it, no silent minute. The node alerts read a recorded series, so the minute of the
                // switch itself may still show the warning (groups are evaluated in no fixed order): it is not asserted.
                .fleet(20, i -> "", LATENCY, i -> i == 0 ? "0x4 1x4 2x50" : "0x60", List.of(
                        FleetRuleCases.nodeAlerts(3, LATENCY, "warning", List.of()),
                        FleetRuleCases.nodeAlerts(9, LATENCY, "warning", List.of(0)),
                        FleetRuleCases.nodeAlerts(11, LATENCY, "critical", List.of(0))))
                // A target failing everywhere: every node's alert, and the fleet's.
                .fleet(20, i -> "", FAILING, i -> "2x60", List.of(
                        FleetRuleCases.nodeAlerts(10, FAILING, "critical", FleetRuleCases.range(0, 20)),
                        FleetRuleCases.fleetAlerts(10, "EgressFleetTargetFailing", FAILING, "critical",
                                List.<String[]>of(new String[] {"", "100%"}))))
                // Three zones of 10 nodes, zone b's all critical: the fleet alert names zone b only.
                .fleet(30, i -> "eu-west-1" + "abc".charAt(i / 10), LATENCY, i -> i / 10 == 1 ? "2x60" : "0x60", List.of(
                        FleetRuleCases.fleetAlerts(10, "EgressFleetConnectLatencyNearTimeout", LATENCY, "critical",
                                List.<String[]>of(new String[] {"eu-west-1b", "100%"}))));
        Path tests = dir.resolve("fleet.rules.test.yml");
        Files.writeString(tests, cases.yaml());

        assertThat(promtool("test", "rules", tests.toString())).contains("SUCCESS");
    }

    @Test
    void shouldPassTheRuleUnitTests() throws Exception {
        assertThat(promtool("test", "rules", "k8s/monitoring/tests/egress-probe.rules.test.yml")).contains("SUCCESS");
    }
}
